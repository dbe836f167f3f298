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
    // Received bytes not yet returned: [_pendingStart, _pendingEnd). Taking a message moves the start, so reading
    // thousands of small messages out of one large read costs no copying.
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingStart;
    private int _pendingEnd;

    private RawTcpClient(Socket socket) => _socket = socket;

    /// <summary>The underlying socket.</summary>
    public Socket Socket => _socket;

    /// <summary>
    /// Connects (optionally from a given local address, e.g. 127.0.0.2). A <paramref name="receiveBufferSize"/> is
    /// set before connecting, where it caps the TCP window: a client that never reads then stops the server's sends
    /// after a few KiB instead of after the kernel's autotuned megabytes.
    /// </summary>
    public static async Task<RawTcpClient> ConnectAsync(IPEndPoint endPoint, IPAddress? localAddress = null, int? receiveBufferSize = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

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
            int index = Array.IndexOf(_pending, (byte)0x01, _pendingStart, _pendingEnd - _pendingStart);
            if (index >= 0)
            {
                byte[] message = _pending.AsSpan(_pendingStart, index - _pendingStart).ToArray();
                _pendingStart = index + 1;
                if (_pendingStart == _pendingEnd)
                {
                    _pendingStart = _pendingEnd = 0;
                }

                return message;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No complete message within {timeout}; {_pendingEnd - _pendingStart} bytes pending: {Encoding.UTF8.GetString(_pending, _pendingStart, _pendingEnd - _pendingStart)}");
            }
            catch (SocketException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            AppendPending(_receiveBuffer.AsSpan(0, read));
        }
    }

    private void AppendPending(ReadOnlySpan<byte> bytes)
    {
        int length = _pendingEnd - _pendingStart;
        if (_pendingEnd + bytes.Length > _pending.Length)
        {
            byte[] target = length + bytes.Length > _pending.Length ? new byte[Math.Max(_pending.Length * 2, length + bytes.Length)] : _pending;
            Buffer.BlockCopy(_pending, _pendingStart, target, 0, length);
            _pending = target;
            _pendingStart = 0;
            _pendingEnd = length;
        }

        bytes.CopyTo(_pending.AsSpan(_pendingEnd));
        _pendingEnd += bytes.Length;
    }

    /// <summary>Reads raw bytes until the server closes (or the timeout passes) and returns them all.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var all = new MemoryStream();
        all.Write(_pending, _pendingStart, _pendingEnd - _pendingStart);
        _pendingStart = _pendingEnd = 0;
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
        return ValueTask.CompletedTask;
    }
}
