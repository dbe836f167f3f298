using System.Net;
using System.Net.Sockets;
using Janus.Bot.Protocols;

namespace Janus.Bot.Coordination;

/// <summary>
/// Publishes as the original bot did: a fresh connection per message, <c>&lt;regular-socket/&gt;\0PUBLISH\0{json}</c>,
/// then close. The connections are opened (and greeted) before the round, so the round's publishes are one write
/// each; the half-close after the write lets the server finish and close first.
/// </summary>
internal sealed class JanusPublisher(IPEndPoint server) : IPublisher
{
    private readonly List<Socket> _sockets = [];
    private readonly Dictionary<string, byte[]> _frames = new(StringComparer.Ordinal);

    public async Task PrepareAsync(int messages, CancellationToken cancellationToken)
    {
        for (int i = 0; i < messages; i++)
        {
            _sockets.Add(await PublisherConnection.ConnectAsync(server, cancellationToken));
        }
    }

    public void Publish(IReadOnlyList<string> topics, int perTopic)
    {
        int next = 0;
        for (int m = 0; m < perTopic; m++)
        {
            foreach (string topic in topics)
            {
                if (!_frames.TryGetValue(topic, out byte[]? frame))
                {
                    frame = JanusClientProtocol.Publish(topic);
                    _frames[topic] = frame;
                }

                _sockets[next++].Send(frame);
            }
        }

        for (int i = 0; i < next; i++)
        {
            _sockets[i].Shutdown(SocketShutdown.Send);
        }
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        foreach (Socket socket in _sockets)
        {
            try
            {
                // The server closes after a publish; reading to the end keeps our close from becoming a reset.
                while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // It is gone either way.
            }

            socket.Dispose();
        }

        _sockets.Clear();
    }

    public ValueTask DisposeAsync()
    {
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
        return ValueTask.CompletedTask;
    }
}
