using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Janus.Testing;

/// <summary>
/// A deliberately dumb client of the Janus TCP protocol for tests: it sends exactly the bytes it is given and splits
/// what it receives on 0x01, so tests control every byte on the wire.
/// </summary>
public sealed class RawTcpClient : IAsyncDisposable
{
    /// <summary>How long reads wait by default before failing the test.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();

    private RawTcpClient(Socket socket) => _socket = socket;

    /// <summary>The underlying socket.</summary>
    public Socket Socket => _socket;

    /// <summary>Connects (optionally from a given local address, e.g. 127.0.0.2).</summary>
    public static async Task<RawTcpClient> ConnectAsync(IPEndPoint endPoint, IPAddress? localAddress = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (localAddress is not null)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }

        await socket.ConnectAsync(endPoint);
        return new RawTcpClient(socket);
    }

    /// <summary>Sends raw bytes in one write.</summary>
    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Sends text (UTF-8) in one write; write <c>\0</c> for delimiters.</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Half-closes: the server sees end of stream, we can still read.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads the next message (without its 0x01) as text; throws on timeout or if the server closes first.</summary>
    public async Task<string> ReadMessageAsync(TimeSpan? timeout = null)
    {
        byte[]? message = await TryReadMessageBytesAsync(timeout ?? DefaultTimeout);
        return message is null ? throw new IOException("The server closed the connection before a message arrived.") : Encoding.UTF8.GetString(message);
    }

    /// <summary>Reads the next message's bytes, or null if the server closed the connection first. Throws on timeout.</summary>
    public async Task<byte[]?> TryReadMessageBytesAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            byte[] pending = _pending.GetBuffer();
            int length = (int)_pending.Length;
            int index = Array.IndexOf(pending, (byte)0x01, 0, length);
            if (index >= 0)
            {
                byte[] message = pending.AsSpan(0, index).ToArray();
                byte[] rest = pending.AsSpan(index + 1, length - index - 1).ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return message;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No complete message within {timeout}; {length} bytes pending: {Encoding.UTF8.GetString(pending, 0, length)}");
            }
            catch (SocketException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Write(_receiveBuffer, 0, read);
        }
    }

    /// <summary>Reads raw bytes until the server closes (or the timeout passes) and returns them all.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var all = new MemoryStream();
        all.Write(_pending.GetBuffer(), 0, (int)_pending.Length);
        _pending.SetLength(0);
        while (true)
        {
            int read;
            try
            {
                read = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The server did not close within the timeout; got {all.Length} bytes.");
            }
            catch (SocketException)
            {
                return all.ToArray();
            }

            if (read == 0)
            {
                return all.ToArray();
            }

            all.Write(_receiveBuffer, 0, read);
        }
    }

    /// <summary>Waits until the server closes the connection; returns the messages that arrived before.</summary>
    public async Task<IReadOnlyList<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        byte[] bytes = await ReadToEndAsync(timeout);
        var messages = new List<string>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == 0x01)
            {
                messages.Add(Encoding.UTF8.GetString(bytes, start, i - start));
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            messages.Add(Encoding.UTF8.GetString(bytes, start, bytes.Length - start));
        }

        return messages;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _pending.Dispose();
        return ValueTask.CompletedTask;
    }
}
