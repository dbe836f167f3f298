using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// Where topics' positions and history live when they are not this node's alone: in a cluster, Redis
/// (docs/cluster.md). Single-node there is none, and no code of it runs.
/// </summary>
public interface ISharedHistory
{
    /// <summary>Whether the topic's positions come from the shared store now: the topic keeps history and the store is reachable.</summary>
    bool Holds(ReadOnlySpan<char> topic);

    /// <summary>
    /// Waits until this node receives every later message of <paramref name="topic"/>, then reads the topic's position
    /// and, when <paramref name="since"/> is given, the messages after it. Null when the store could not be reached
    /// (the caller answers from this node's memory instead). Never throws.
    /// </summary>
    Task<SharedHistoryRead?> ReadAsync(string topic, StreamPosition? since);
}
