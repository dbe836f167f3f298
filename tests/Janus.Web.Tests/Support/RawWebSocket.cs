using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Janus.Protocol;

namespace Janus.Web.Tests.Support;

/// <summary>
/// A WebSocket client that writes exactly the frames it is told to, broken ones included (unmasked, reserved bits,
/// lying lengths), over a plain socket: what a browser would never send, and what the server must survive.
/// </summary>
internal sealed class RawWebSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[64 * 1024];
    private readonly List<byte> _pending = [];

    private RawWebSocket(Socket socket) => _socket = socket;

    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>Connects, performs the handshake and checks the server's answer; returns the client and the HTTP response head.</summary>
    public static async Task<RawWebSocket> ConnectAsync(IPEndPoint endPoint, string extraHeaders = "", int? receiveBufferSize = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        await socket.ConnectAsync(endPoint);
        var client = new RawWebSocket(socket);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string request = $"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{endPoint.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        string head = await client.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: " + WebSocketHandshake.ComputeAccept(key), head, StringComparison.OrdinalIgnoreCase);
        return client;
    }

    /// <summary>Sends one frame; masked with a random key unless told otherwise.</summary>
    public Task SendFrameAsync(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, bool mask = true, byte reserved = 0) =>
        SendRawAsync(BuildFrame(opcode, payload, fin, mask, reserved));

    public Task SendTextAsync(string text) => SendFrameAsync(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text));

    public async Task SendRawAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    public static byte[] BuildFrame(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, bool mask = true, byte reserved = 0, long? declaredLength = null)
    {
        long length = declaredLength ?? payload.Length;
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | (reserved << 4) | opcode) };
        byte maskBit = mask ? (byte)0x80 : (byte)0;
        if (length < 126)
        {
            frame.Add((byte)(maskBit | length));
        }
        else if (length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(length >> 8));
            frame.Add((byte)length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            Span<byte> eight = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(eight, length);
            frame.AddRange(eight.ToArray());
        }

        byte[] key = mask ? RandomNumberGenerator.GetBytes(4) : [];
        frame.AddRange(key);
        for (int i = 0; i < payload.Length; i++)
        {
            frame.Add(mask ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        }

        return [.. frame];
    }

    /// <summary>The next frame from the server (which must be unmasked), or null when the server closed the TCP connection.</summary>
    public async Task<(bool Fin, byte Opcode, byte[] Payload)?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? WsClient.DefaultTimeout);
        while (true)
        {
            if (WebSocketFrameHeader.TryRead(_pending.ToArray(), out WebSocketFrameHeader header)
                && _pending.Count >= header.Length + (long)header.PayloadLength)
            {
                Assert.False(header.Masked, "server frames must not be masked");
                byte[] payload = _pending.GetRange(header.Length, (int)header.PayloadLength).ToArray();
                _pending.RemoveRange(0, header.Length + (int)header.PayloadLength);
                return (header.Fin, header.Opcode, payload);
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_receive, SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.AddRange(_receive.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>The next text message, skipping heartbeat PINGs.</summary>
    public async Task<string> ReadTextAsync()
    {
        while (true)
        {
            (bool Fin, byte Opcode, byte[] Payload)? frame = await ReadFrameAsync() ?? throw new IOException("The server closed the connection.");
            Assert.Equal(WebSocketOpcode.Text, frame.Value.Opcode);
            string text = Encoding.UTF8.GetString(frame.Value.Payload);
            if (text != "PING")
            {
                return text;
            }
        }
    }

    /// <summary>
    /// Reads until the server's close frame, answers it, and returns the text messages before it with the close code
    /// and reason.
    /// </summary>
    public async Task<(List<string> Messages, ushort Code, string Reason)> ReadUntilCloseAsync(TimeSpan? timeout = null)
    {
        var messages = new List<string>();
        while (true)
        {
            (bool Fin, byte Opcode, byte[] Payload)? frame = await ReadFrameAsync(timeout) ?? throw new IOException("The server dropped the connection without a close frame.");
            if (frame.Value.Opcode == WebSocketOpcode.Close)
            {
                byte[] payload = frame.Value.Payload;
                ushort code = BinaryPrimitives.ReadUInt16BigEndian(payload);
                await SendFrameAsync(WebSocketOpcode.Close, payload.AsSpan(0, 2));
                return (messages, code, Encoding.UTF8.GetString(payload, 2, payload.Length - 2));
            }

            if (frame.Value.Opcode == WebSocketOpcode.Text)
            {
                messages.Add(Encoding.UTF8.GetString(frame.Value.Payload));
            }
        }
    }

    /// <summary>True once the server has closed the TCP connection (reads end); false if it is still open after the timeout.</summary>
    public async Task<bool> WaitForEndOfStreamAsync(TimeSpan timeout)
    {
        try
        {
            while (await ReadFrameAsync(timeout) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string> ReadHeadAsync()
    {
        using var cts = new CancellationTokenSource(WsClient.DefaultTimeout);
        var head = new List<byte>();
        byte[] one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            // One byte at a time, so nothing after the head (the greeting) is consumed here.
            int read = await _socket.ReceiveAsync(one, SocketFlags.None, cts.Token);
            if (read == 0)
            {
                break;
            }

            head.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
