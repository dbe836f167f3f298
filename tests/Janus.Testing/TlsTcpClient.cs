using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Janus.Testing;

/// <summary>
/// A client of the TCP protocol over TLS for tests, as dumb as <see cref="RawTcpClient"/>: it sends the bytes it is
/// given and splits what it receives on 0x01.
/// </summary>
public sealed class TlsTcpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();

    private TlsTcpClient(Socket socket, SslStream stream)
    {
        _socket = socket;
        Stream = stream;
    }

    /// <summary>The TLS stream.</summary>
    public SslStream Stream { get; }

    /// <summary>
    /// Connects and completes the handshake. <paramref name="validate"/> checks the server's certificate (see
    /// <see cref="TestCertificate.Pin"/>); <paramref name="protocols"/> limits the versions the client offers.
    /// </summary>
    public static async Task<TlsTcpClient> ConnectAsync(IPEndPoint endPoint, RemoteCertificateValidationCallback validate, string targetHost = "localhost", SslProtocols protocols = SslProtocols.None, int? receiveBufferSize = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        SslStream? stream = null;
        try
        {
            await socket.ConnectAsync(endPoint);
            stream = new SslStream(new NetworkStream(socket, ownsSocket: false));
            using var timeout = new CancellationTokenSource(RawTcpClient.DefaultTimeout);
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                EnabledSslProtocols = protocols,
                RemoteCertificateValidationCallback = validate,
            }, timeout.Token);
            return new TlsTcpClient(socket, stream);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends text (UTF-8) in one write; write <c>\0</c> for delimiters.</summary>
    public async Task SendAsync(string text)
    {
        await Stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await Stream.FlushAsync();
    }

    /// <summary>Reads the next message's bytes (without its 0x01), or null if the server closed first. Throws on timeout.</summary>
    public async Task<byte[]?> TryReadMessageBytesAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? RawTcpClient.DefaultTimeout);
        while (true)
        {
            byte[] pending = _pending.GetBuffer();
            int index = Array.IndexOf(pending, (byte)0x01, 0, (int)_pending.Length);
            if (index >= 0)
            {
                byte[] message = pending.AsSpan(0, index).ToArray();
                byte[] rest = pending.AsSpan(index + 1, (int)_pending.Length - index - 1).ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return message;
            }

            int read;
            try
            {
                read = await Stream.ReadAsync(_buffer, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No complete message within the timeout; {_pending.Length} bytes pending.");
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Write(_buffer, 0, read);
        }
    }

    /// <summary>Reads the next message as text; throws on timeout or if the server closes first.</summary>
    public async Task<string> ReadMessageAsync(TimeSpan? timeout = null)
    {
        byte[]? message = await TryReadMessageBytesAsync(timeout);
        return message is null ? throw new IOException("The server closed the connection before a message arrived.") : Encoding.UTF8.GetString(message);
    }

    /// <summary>Reads until the server ends the stream (or the timeout passes) and returns the messages, the last one even without its 0x01.</summary>
    public async Task<IReadOnlyList<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var messages = new List<string>();
        while (await TryReadMessageBytesAsync(timeout) is { } message)
        {
            messages.Add(Encoding.UTF8.GetString(message));
        }

        if (_pending.Length > 0)
        {
            messages.Add(Encoding.UTF8.GetString(_pending.GetBuffer(), 0, (int)_pending.Length));
        }

        return messages;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _socket.Dispose();
    }
}
