using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Publishing;

namespace Janus.Server.Cluster;

/// <summary>
/// The publisher of a clustered node: every publish accepted here (TCP, WebSocket, HTTP) is sent once to the other
/// nodes through Redis and delivered to the local subscribers, both with one timestamp taken here.
/// </summary>
/// <remarks>
/// The forward happens first, so the other nodes start their fan-out while this one does its own. When the topic has
/// local subscribers, stamping, forwarding and local fan-out all happen under the topic's publish lock (the engine
/// takes it again; the lock is reentrant): concurrent publishes to one topic through this node then reach Redis in
/// the order the local subscribers get them, so every subscriber on every node sees the same order. Forwarding only
/// hands the payload to StackExchange.Redis's pipe; it never waits for Redis.
/// </remarks>
public sealed class ClusterPublisher : Publisher
{
    private readonly RedisCluster _cluster;
    private readonly JanusMetrics _metrics;

    /// <summary>Creates a publisher that delivers locally and forwards through <paramref name="cluster"/>.</summary>
    public ClusterPublisher(FanoutEngine engine, RedisCluster cluster, JanusMetrics metrics)
        : base(engine)
    {
        _cluster = cluster;
        _metrics = metrics;
    }

    /// <inheritdoc />
    public override FanoutCounts Publish(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source)
    {
        ArgumentNullException.ThrowIfNull(message);
        FanoutEngine engine = Engine;
        if (engine.Topics.History.For(topic).Size > 0)
        {
            return PublishWithHistory(engine, topic, message, source);
        }

        if (!engine.Topics.TryGet(topic, out Topic? local))
        {
            return ForwardAndFanOut(engine, topic, message, source);
        }

        lock (local.PublishLock)
        {
            return ForwardAndFanOut(engine, topic, message, source);
        }
    }

    /// <inheritdoc />
    /// <remarks>Clustered, every publish is forwarded and fanned out in one step under the topic lock.</remarks>
    public override void PublishAndForget(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source) =>
        Publish(topic, message, source);

    private FanoutCounts PublishWithHistory(FanoutEngine engine, ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source)
    {
        // Numbered by Redis, in the order its script runs: the local fan-out happens when the message comes back on the
        // topic's channel, as on every other node. The timestamp is stamped now for a caller that reads it (HTTP).
        ErlangTimestamp timestamp = engine.Now();
        if (!_cluster.ForwardPositioned(topic, timestamp, message.Body))
        {
            return _cluster.PublishLocally(topic, message, source, timestamp);
        }

        message.Stamp(timestamp, 0, observer: null);
        message.Release();
        _metrics.PublishFannedOut(source, default, 0);

        // The local subscribers it will reach when it comes back (an estimate: the fan-out has not happened yet).
        int subscribers = engine.Topics.TryGet(topic, out Topic? local) ? local.SubscriberCount : 0;
        return new FanoutCounts(subscribers, subscribers, 0);
    }

    private FanoutCounts ForwardAndFanOut(FanoutEngine engine, ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source)
    {
        ErlangTimestamp timestamp = engine.Now();
        _cluster.Forward(topic, timestamp, message.Body);
        return engine.Publish(topic, message, source, timestamp);
    }
}
