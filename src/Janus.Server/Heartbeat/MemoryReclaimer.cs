using Janus.Server.Fanout;
using Janus.Server.Metrics;

namespace Janus.Server.Heartbeat;

/// <summary>
/// Gives memory back after many connections have closed. A connection's objects live long enough to reach the
/// oldest generation, and an idle server allocates nothing, so nothing would ever collect them: after a load test's
/// 20,000 clients leave, the process would keep their ~100 MB until traffic resumed. Once
/// <see cref="ClosedConnectionsBeforeReclaim"/> connections have closed since the last time, the heartbeat asks
/// for a compacting full collection once departures pause for a second, so the GC returns the emptied regions to the
/// system. A connection whose session is parked counts when its session ends.
/// </summary>
public sealed class MemoryReclaimer
{
    /// <summary>How many closed connections make a collection worth it.</summary>
    public const int ClosedConnectionsBeforeReclaim = 1000;

    private readonly JanusMetrics _metrics;
    private long _closedAtLastReclaim;
    private long _closedAtLastTick;

    /// <summary>Watches the connection counters of <paramref name="metrics"/>.</summary>
    public MemoryReclaimer(JanusMetrics metrics) => _metrics = metrics;

    /// <summary>Full collections this reclaimer asked for.</summary>
    public int Reclaims { get; private set; }

    /// <summary>Called by the heartbeat once a second.</summary>
    public void OnTick()
    {
        // A connection whose session is parked (docs/sessions.md) has not let go of its memory yet: it counts when the
        // session is resumed or expires.
        long closed = Closed(TransportKind.Tcp) + Closed(TransportKind.WebSocket) + Closed(TransportKind.Dashboard) - _metrics.SessionsParked;
        bool quiet = closed == _closedAtLastTick;
        _closedAtLastTick = closed;
        if (closed - _closedAtLastReclaim < ClosedConnectionsBeforeReclaim || !quiet)
        {
            return;
        }

        _closedAtLastReclaim = closed;
        Reclaims++;

        // A compacting collection that gives the emptied regions back (measured: a background gen2 freed the objects
        // but the process kept its RSS; bench/parked-sessions-rss). It pauses the process briefly, so it waits for a
        // second without departures: never in the middle of a disconnect or reconnect storm.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private long Closed(TransportKind transport) => _metrics.TotalConnections(transport) - _metrics.CurrentConnections(transport);
}
