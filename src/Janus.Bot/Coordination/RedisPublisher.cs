using System.Net;
using System.Net.Sockets;
using System.Text;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;
using Janus.Protocol;

namespace Janus.Bot.Coordination;

/// <summary>
/// Publishes to Redis over one connection: <c>PUBLISH channel payload</c>, where the payload is the delivery JSON a
/// Janus subscriber gets, stamped here just before the write (Janus stamps in the server just before fan-out).
/// Back-to-back messages go out pipelined in one write.
/// </summary>
internal sealed class RedisPublisher(IPEndPoint server) : IPublisher
{
    private Socket? _socket;
    private int _outstanding;

    public async Task PrepareAsync(int messages, CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(server, cancellationToken);
        }
    }

    public void Publish(IReadOnlyList<string> topics, int perTopic)
    {
        Socket socket = _socket ?? throw new InvalidOperationException("PrepareAsync first.");
        byte[][] channels = topics.Select(t => Encoding.UTF8.GetBytes(t)).ToArray();
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
                pos += RedisClientProtocol.WritePublish(buffer.AsSpan(pos), channels[t], payload[..length]);
            }
        }

        socket.Send(buffer.AsSpan(0, pos));
        _outstanding += topics.Count * perTopic;
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        Socket socket = _socket ?? throw new InvalidOperationException("PrepareAsync first.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        byte[] buffer = new byte[64 * 1024];

        // Each PUBLISH answers with one ":<receivers>\r\n" line.
        while (_outstanding > 0)
        {
            int read = await socket.ReceiveAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException("Redis closed the publisher's connection.");
            }

            _outstanding -= buffer.AsSpan(0, read).Count((byte)'\n');
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        return ValueTask.CompletedTask;
    }
}
