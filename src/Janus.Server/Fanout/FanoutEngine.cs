using Janus.Protocol;
using Janus.Server.Metrics;

namespace Janus.Server.Fanout;

/// <summary>
/// Delivers a published message to every local subscriber of its topic. It knows no transport (it fills queues;
/// transports drain them) and no cluster (the cluster calls <see cref="Publish"/> with the origin's timestamp).
/// </summary>
/// <remarks>
/// Hot-path rules: the message is encoded once by the caller; here it is stamped once and offered to each queue,
/// with no await, no LINQ, no closure and no allocation per subscriber. A full queue is that subscriber's problem
/// (it is cut as a slow consumer); everyone else keeps their latency.
/// </remarks>
public sealed class FanoutEngine
{
    private readonly TopicRegistry _topics;
    private readonly TimeProvider _time;
    private readonly JanusMetrics _metrics;

    /// <summary>Creates the engine over a topic registry.</summary>
    public FanoutEngine(TopicRegistry topics, TimeProvider time, JanusMetrics metrics)
    {
        _topics = topics;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>The topics this engine delivers to.</summary>
    public TopicRegistry Topics => _topics;

    /// <summary>
    /// Stamps <paramref name="message"/> (whose body is written) and queues it for every subscriber of
    /// <paramref name="topic"/>. Takes over one of the caller's references (take another first to read
    /// <see cref="OutboundMessage.Timestamp"/> afterwards). The timestamp is taken now, inside the topic's
    /// publish lock, unless <paramref name="originTimestamp"/> carries the time another node took.
    /// </summary>
    public FanoutCounts Publish(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source, ErlangTimestamp? originTimestamp = null)
    {
        if (!_topics.TryGet(topic, out Topic? target))
        {
            // Stamped all the same: whoever forwards the publish elsewhere reads the timestamp afterwards.
            message.Stamp(originTimestamp ?? Now(), _time.GetTimestamp(), observer: null);
            message.Release();
            _metrics.PublishFannedOut(source, default, 0);
            return default;
        }

        FanoutCounts counts;
        lock (target.PublishLock)
        {
            long started = _time.GetTimestamp();
            ErlangTimestamp timestamp = originTimestamp ?? ErlangTimestamp.FromDateTimeOffset(_time.GetUtcNow());
            message.Stamp(timestamp, started, _metrics);
            counts = target.FanOut(message);
        }

        FanoutBatch.Published(message.Size);

        _metrics.PublishFannedOut(source, counts, _time.GetElapsedTime(message.FanoutStartedAt).TotalMilliseconds);
        message.Release();
        return counts;
    }

    /// <summary>The current wall-clock time as an Erlang timestamp, for callers that forward a publish elsewhere first.</summary>
    public ErlangTimestamp Now() => ErlangTimestamp.FromDateTimeOffset(_time.GetUtcNow());
}
