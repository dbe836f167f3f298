using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Janus.Testing;

/// <summary>
/// A minimal Redis (RESP2) client for tests that inspect Redis from outside the system under test: it sends one
/// command at a time and parses the reply into long, string, null, object?[] or throws on an error reply.
/// </summary>
public sealed class RespClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _reader;

    private RespClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new BufferedStream(_stream);
    }

    /// <summary>Connects to Redis.</summary>
    public static async Task<RespClient> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(endPoint, timeout.Token);
        return new RespClient(socket);
    }

    /// <summary>Sends a command and reads its reply (10 s at most).</summary>
    public async Task<object?> ExecuteAsync(params string[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var request = new StringBuilder();
        request.Append('*').Append(command.Length).Append("\r\n");
        foreach (string part in command)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
        return await Task.Run(ReadReply, timeout.Token).WaitAsync(timeout.Token);
    }

    private object? ReadReply()
    {
        string line = ReadLine();
        string rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                throw new InvalidOperationException("Redis error: " + rest);
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$':
                int length = int.Parse(rest, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                byte[] bytes = new byte[length + 2];
                _reader.ReadExactly(bytes);
                return Encoding.UTF8.GetString(bytes, 0, length);
            case '*':
                int count = int.Parse(rest, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                object?[] items = new object?[count];
                for (int i = 0; i < count; i++)
                {
                    items[i] = ReadReply();
                }

                return items;
            default:
                throw new InvalidOperationException("Unexpected RESP reply: " + line);
        }
    }

    private string ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = _reader.ReadByte();
            if (b < 0)
            {
                throw new IOException("Redis closed the connection.");
            }

            if (b == '\r')
            {
                _reader.ReadByte();
                return line.ToString();
            }

            line.Append((char)b);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
