using Janus.Server.Metrics;

namespace Janus.Server.Heartbeat;

/// <summary>
/// Gives memory back after many connections have closed. A connection's objects live long enough to reach the
/// oldest generation, and an idle server allocates nothing, so nothing would ever collect them: after a load test's
/// 20,000 clients leave, the process would keep their ~100 MB until traffic resumed. Once
/// <see cref="ClosedConnectionsBeforeReclaim"/> connections have closed since the last time, the heartbeat asks
/// for a background (non-blocking) full collection, so the GC returns the emptied regions to the system.
/// </summary>
public sealed class MemoryReclaimer
{
    /// <summary>How many closed connections make a collection worth it.</summary>
    public const int ClosedConnectionsBeforeReclaim = 1000;

    private readonly JanusMetrics _metrics;
    private long _closedAtLastReclaim;

    /// <summary>Watches the connection counters of <paramref name="metrics"/>.</summary>
    public MemoryReclaimer(JanusMetrics metrics) => _metrics = metrics;

    /// <summary>Full collections this reclaimer asked for.</summary>
    public int Reclaims { get; private set; }

    /// <summary>Called by the heartbeat once a second.</summary>
    public void OnTick()
    {
        long closed = Closed(TransportKind.Tcp) + Closed(TransportKind.WebSocket);
        if (closed - _closedAtLastReclaim < ClosedConnectionsBeforeReclaim)
        {
            return;
        }

        _closedAtLastReclaim = closed;
        Reclaims++;

        // Background gen2 (concurrent GC is on): the heartbeat thread does not wait and connections are not paused.
        GC.Collect(2, GCCollectionMode.Optimized, blocking: false);
    }

    private long Closed(TransportKind transport) => _metrics.TotalConnections(transport) - _metrics.CurrentConnections(transport);
}
