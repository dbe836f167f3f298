using Janus.Protocol;
using Janus.Server.Fanout;

namespace Janus.Server.Publishing;

/// <summary>
/// The one door every publish goes through, whatever accepted it (TCP, WebSocket, HTTP): it encodes the body once
/// and hands it to the fan-out engine. A clustered node has the same door and the same paths (flat combining
/// included): what else a publish must reach (other nodes) is the engine's <see cref="IPublishForwarder"/>, called
/// under the topic's publish lock, not a different publisher.
/// </summary>
public sealed class Publisher
{
    private readonly FanoutEngine _engine;

    /// <summary>Creates the publisher over the fan-out engine.</summary>
    public Publisher(FanoutEngine engine) => _engine = engine;

    /// <summary>The local fan-out engine.</summary>
    public FanoutEngine Engine => _engine;

    /// <summary>
    /// Publishes a parsed client command (from the frame it was parsed from). Nothing is returned: the fan-out may
    /// happen on another thread, batched with other publishes to the topic (see <see cref="PublishAndForget"/>).
    /// </summary>
    public void Publish(ReadOnlySpan<byte> frame, in ClientCommand command, TransportKind source)
    {
        OutboundMessage message = OutboundMessage.RentForPublish(DeliveryEncoder.GetMaxBodyLength(command));
        message.SetBodyLength(DeliveryEncoder.WriteBody(message.GetBodyBuffer(), frame, command));
        PublishAndForget(command.Topic, message, source);
    }

    /// <summary>
    /// Publishes from raw JSON values (an HTTP publish): encodes the body once, like <see cref="Publish(ReadOnlySpan{byte}, in ClientCommand, TransportKind)"/>,
    /// and returns the fan-out counts and the timestamp the subscribers got.
    /// </summary>
    public FanoutCounts Publish(string topic, ReadOnlySpan<byte> topicJson, ReadOnlySpan<byte> eventJson, ReadOnlySpan<byte> messageIdJson, ReadOnlySpan<byte> dataJson, TransportKind source, out ErlangTimestamp timestamp)
    {
        OutboundMessage message = OutboundMessage.RentForPublish(DeliveryEncoder.GetMaxBodyLength(topicJson.Length, eventJson.Length, messageIdJson.Length, dataJson.Length));
        message.SetBodyLength(DeliveryEncoder.WriteBody(message.GetBodyBuffer(), topicJson, eventJson, messageIdJson, dataJson));

        // One reference of our own, so the timestamp can still be read after the fan-out has taken its reference.
        message.AddReferences(1);
        FanoutCounts counts = Publish(topic, message, source);
        timestamp = message.Timestamp;
        message.Release();
        return counts;
    }

    /// <summary>
    /// Publishes when the caller does not need the outcome; the default lets concurrent publishes to one topic be
    /// fanned out together (<see cref="FanoutEngine.PublishAndForget"/>). Takes over the caller's reference.
    /// </summary>
    public void PublishAndForget(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source) =>
        _engine.PublishAndForget(topic, message, source);

    /// <summary>
    /// Publishes a message whose body is written; takes over the caller's reference.
    /// </summary>
    public FanoutCounts Publish(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source) =>
        _engine.Publish(topic, message, source);
}
