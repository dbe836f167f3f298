using System.Net;
using System.Net.Sockets;
using System.Text;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;
using Janus.Protocol;

namespace Janus.Bot.Coordination;

/// <summary>
/// Publishes to Redis: <c>PUBLISH channel payload</c>, where the payload is the delivery JSON a Janus subscriber
/// gets, stamped here just before the write (Janus stamps in the server just before fan-out). Over one connection by
/// default, back-to-back messages pipelined in one write; with <paramref name="publishers"/> connections the round's
/// messages are dealt over them in turn and each connection's share goes out in one write, all writes back to back,
/// as that many publishers publishing at once (Janus's publisher uses a connection per message anyway).
/// </summary>
internal sealed class RedisPublisher(IPEndPoint server, int publishers = 1) : IPublisher
{
    private readonly Socket[] _sockets = new Socket[Math.Max(1, publishers)];
    private readonly int[] _outstanding = new int[Math.Max(1, publishers)];
    private bool _connected;

    public async Task PrepareAsync(int messages, CancellationToken cancellationToken)
    {
        if (_connected)
        {
            return;
        }

        for (int i = 0; i < _sockets.Length; i++)
        {
            _sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _sockets[i].ConnectAsync(server, cancellationToken);
        }

        _connected = true;
    }

    public void Publish(IReadOnlyList<string> topics, int perTopic)
    {
        if (!_connected)
        {
            throw new InvalidOperationException("PrepareAsync first.");
        }

        byte[][] channels = topics.Select(t => Encoding.UTF8.GetBytes(t)).ToArray();
        byte[][] topicJson = topics.Select(t => Encoding.UTF8.GetBytes(TestMessage.Quote(t))).ToArray();
        int perSocket = ((topics.Count * perTopic) + _sockets.Length - 1) / _sockets.Length;
        byte[][] buffers = new byte[_sockets.Length][];
        int[] lengths = new int[_sockets.Length];
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new byte[(perSocket * 512) + 1024];
        }

        Span<byte> payload = stackalloc byte[1024];
        int next = 0;
        for (int m = 0; m < perTopic; m++)
        {
            for (int t = 0; t < topics.Count; t++)
            {
                ErlangTimestamp stamp = ErlangTimestamp.FromUnixMicroseconds(WallClock.NowMicroseconds());
                int length = TestMessage.WriteStampedDelivery(payload, stamp, topicJson[t]);
                int socket = next++ % _sockets.Length;
                lengths[socket] += RedisClientProtocol.WritePublish(buffers[socket].AsSpan(lengths[socket]), channels[t], payload[..length]);
                _outstanding[socket]++;
            }
        }

        for (int i = 0; i < _sockets.Length; i++)
        {
            if (lengths[i] > 0)
            {
                _sockets[i].Send(buffers[i].AsSpan(0, lengths[i]));
            }
        }
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        byte[] buffer = new byte[64 * 1024];
        for (int i = 0; i < _sockets.Length; i++)
        {
            // Each PUBLISH answers with one ":<receivers>\r\n" line.
            while (_outstanding[i] > 0)
            {
                int read = await _sockets[i].ReceiveAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    throw new IOException("Redis closed a publisher's connection.");
                }

                _outstanding[i] -= buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (Socket? socket in _sockets)
        {
            socket?.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
