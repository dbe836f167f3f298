using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// Where a publish accepted on this node goes besides the local subscribers (in a cluster: the other nodes, through
/// Redis). Owned by Fanout, which calls it; the cluster implements it, so the engine never reaches up into Cluster,
/// and the one door (<c>Publisher</c>) and every fan-out path, the combiner included, stay the same on a clustered node.
/// </summary>
/// <remarks>
/// The engine offers each publish accepted here (never one that came from another node: that carries its origin's
/// timestamp) once, with the timestamp its subscribers get: first to <see cref="TryHandOff"/>, on the publishing
/// thread and outside every lock; if it is not handed off, to <see cref="Forward"/>, under the topic's
/// <see cref="Topic.PublishLock"/> when the topic exists here and in the order of the local fan-out (the combiner
/// calls it for each message of a batch, in batch order), so concurrent publishes through one node leave in the order
/// its own subscribers see them. Neither may block, wait for the network, or call back into the engine; they may take
/// only leaf locks of their own (lock order: docs/architecture.md).
/// </remarks>
public interface IPublishForwarder
{
    /// <summary>
    /// Hands a publish to another authority that numbers its topic's messages (in a cluster whose history lives in
    /// Redis: Redis's publish script); it comes back through <see cref="FanoutEngine.PublishAt(ReadOnlySpan{char}, Span{PositionedPublish})"/> and is fanned out then,
    /// so the engine only stamps its timestamp now. False: fan it out here (and <see cref="Forward"/> it).
    /// </summary>
    bool TryHandOff(ReadOnlySpan<char> topic, ErlangTimestamp timestamp, ReadOnlySpan<byte> body);

    /// <summary>
    /// Sends a publish that is fanned out here further. <paramref name="local"/> is the topic on this node (its publish
    /// lock held), or null when the topic has no local state (no lock held; the engine may create the topic afterwards
    /// to keep history).
    /// </summary>
    void Forward(ReadOnlySpan<char> topic, Topic? local, ErlangTimestamp timestamp, ReadOnlySpan<byte> body);
}
