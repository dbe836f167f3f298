using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Janus.Bot.Protocols;
using Janus.Protocol.Client;

namespace Janus.Bot.Coordination;

/// <summary>
/// Publishes to Janus over one connection that stays open (<c>{"action":"publish",…}</c>, as a real publisher does),
/// for a steady stream of messages: a "round" is whatever is due, written at once; heartbeats are answered. The
/// <c>message_id</c> is the flow's next number when it numbers (<see cref="MessageNumbering"/>), else empty as the
/// original's. The server stamps each message as it reads it, as for <c>test</c>.
/// </summary>
internal sealed class JanusStreamPublisher(IPEndPoint server) : IPublisher
{
    private static readonly RawJsonData Data = new(TestMessage.DataJson);

    private readonly Lock _sendLock = new();
    private readonly CommandWriter _writer = new();
    private readonly ArrayBufferWriter<byte> _batch = new();
    private readonly CancellationTokenSource _stop = new();
    private Socket? _socket;
    private Task? _reader;

    public async Task PrepareAsync(int messages, CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            _socket = await PublisherConnection.ConnectAsync(server, cancellationToken);
            _reader = PublisherConnection.AnswerHeartbeatsAsync(_socket, _sendLock, _stop.Token);
        }
    }

    public void Publish(IReadOnlyList<string> topics, int perTopic)
    {
        ArgumentNullException.ThrowIfNull(topics);
        Socket socket = _socket ?? throw new InvalidOperationException("PrepareAsync first.");
        MessageNumbering? numbering = MessageNumbering.Current;
        _batch.ResetWrittenCount();
        for (int m = 0; m < perTopic; m++)
        {
            foreach (string topic in topics)
            {
                _batch.Write(numbering is null
                    ? _writer.Build(new PublishFrame<RawJsonData>(keyword: false, topic, TestMessage.Event, string.Empty, Data))
                    : _writer.Build(new NumberedPublishFrame<RawJsonData>(topic, TestMessage.Event, numbering.Next(), Data)));
            }
        }

        lock (_sendLock)
        {
            socket.Send(_batch.WrittenSpan);
        }
    }

    /// <summary>Nothing to read: Janus answers no publish, and the connection stays for the next.</summary>
    public Task FinishAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket?.Dispose();
        if (_reader is not null)
        {
            await _reader;
        }

        _writer.Dispose();
        _stop.Dispose();
    }
}
