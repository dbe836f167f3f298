using System.Net;
using System.Net.Sockets;
using System.Text;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;
using Janus.Protocol;

namespace Janus.Bot.Coordination;

/// <summary>
/// Publishes to a NATS server over one connection: <c>PUB subject #bytes</c> with the delivery JSON a Janus subscriber
/// gets, stamped here just before the write, as <see cref="RedisPublisher"/> does; back-to-back messages go out in one
/// write. NATS does not answer a <c>PUB</c> (verbose off), so the round ends with a <c>PING</c>: its <c>PONG</c> comes
/// after the server has processed every publish before it, and an <c>-ERR</c> on the way fails the run.
/// </summary>
internal sealed class NatsPublisher(IPEndPoint server) : IPublisher
{
    private readonly byte[] _received = new byte[64 * 1024];
    private int _receivedLength;
    private Socket? _socket;

    public async Task PrepareAsync(int messages, CancellationToken cancellationToken)
    {
        if (_socket is not null)
        {
            return;
        }

        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await _socket.ConnectAsync(server, cancellationToken);
        using var timeout = Timeout(cancellationToken);
        string info = await ReadLineAsync(timeout.Token);
        if (!info.StartsWith("INFO", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"NATS did not greet with INFO: {info}");
        }

        _socket.Send([.. NatsClientProtocol.ConnectCommand, .. "PING\r\n"u8]);
        await AwaitPongAsync(timeout.Token);
    }

    public void Publish(IReadOnlyList<string> topics, int perTopic)
    {
        Socket socket = _socket ?? throw new InvalidOperationException("PrepareAsync first.");
        byte[][] subjects = topics.Select(t => Encoding.UTF8.GetBytes(t)).ToArray();
        byte[][] topicJson = topics.Select(t => Encoding.UTF8.GetBytes(TestMessage.Quote(t))).ToArray();
        byte[] buffer = new byte[(topics.Count * perTopic * 512) + 1024];
        Span<byte> payload = stackalloc byte[1024];
        int pos = 0;
        for (int m = 0; m < perTopic; m++)
        {
            for (int t = 0; t < topics.Count; t++)
            {
                ErlangTimestamp stamp = ErlangTimestamp.FromUnixMicroseconds(WallClock.NowMicroseconds());
                int length = TestMessage.WriteStampedDelivery(payload, stamp, topicJson[t]);
                pos += NatsClientProtocol.WritePublish(buffer.AsSpan(pos), subjects[t], payload[..length]);
            }
        }

        socket.Send(buffer.AsSpan(0, pos));
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        Socket socket = _socket ?? throw new InvalidOperationException("PrepareAsync first.");
        using var timeout = Timeout(cancellationToken);
        socket.Send("PING\r\n"u8);
        await AwaitPongAsync(timeout.Token);
    }

    public ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        return timeout;
    }

    /// <summary>Reads lines until <c>PONG</c>, answering the server's heartbeat on the way; <c>-ERR</c> throws.</summary>
    private async Task AwaitPongAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            string line = await ReadLineAsync(cancellationToken);
            if (line.Equals("PONG", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            if (line.Equals("PING", StringComparison.OrdinalIgnoreCase))
            {
                _socket!.Send("PONG\r\n"u8);
            }
            else if (line.StartsWith("-ERR", StringComparison.OrdinalIgnoreCase))
            {
                throw new IOException($"NATS refused the publisher: {line}");
            }
        }
    }

    /// <summary>One control line (the publisher subscribes to nothing, so no message body ever comes).</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int end = _received.AsSpan(0, _receivedLength).IndexOf("\r\n"u8);
            if (end >= 0)
            {
                string line = Encoding.UTF8.GetString(_received, 0, end);
                _received.AsSpan(end + 2, _receivedLength - end - 2).CopyTo(_received);
                _receivedLength -= end + 2;
                return line;
            }

            if (_receivedLength == _received.Length)
            {
                throw new IOException("NATS sent a control line longer than 64 KiB.");
            }

            int read = await _socket!.ReceiveAsync(_received.AsMemory(_receivedLength), cancellationToken);
            if (read == 0)
            {
                throw new IOException("NATS closed the publisher's connection.");
            }

            _receivedLength += read;
        }
    }
}
