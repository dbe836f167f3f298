using Janus.Server.Fanout;
using Janus.Server.Heartbeat;
using Janus.Server.Metrics;

namespace Janus.Server.Tests.Heartbeat;

public sealed class MemoryReclaimerTests
{
    [Fact]
    public void A_collection_is_asked_for_once_a_thousand_connections_have_closed_and_not_before()
    {
        using var metrics = new JanusMetrics(TimeProvider.System);
        var reclaimer = new MemoryReclaimer(metrics);

        Churn(metrics, MemoryReclaimer.ClosedConnectionsBeforeReclaim - 1);
        reclaimer.OnTick();
        Assert.Equal(0, reclaimer.Reclaims);

        Churn(metrics, 1);
        reclaimer.OnTick();
        reclaimer.OnTick();
        Assert.Equal(1, reclaimer.Reclaims);
    }

    [Fact]
    public void A_connection_whose_session_is_parked_counts_only_when_the_session_ends_and_never_during_departures()
    {
        using var metrics = new JanusMetrics(TimeProvider.System);
        var reclaimer = new MemoryReclaimer(metrics);
        for (int i = 0; i < MemoryReclaimer.ClosedConnectionsBeforeReclaim; i++)
        {
            metrics.SessionParked();
        }

        Churn(metrics, MemoryReclaimer.ClosedConnectionsBeforeReclaim);
        reclaimer.OnTick();
        reclaimer.OnTick();
        Assert.Equal(0, reclaimer.Reclaims);

        // The sessions expire; while departures go on, nothing is asked for; a quiet second later, one collection.
        for (int i = 0; i < MemoryReclaimer.ClosedConnectionsBeforeReclaim; i++)
        {
            metrics.SessionUnparked();
        }

        reclaimer.OnTick();
        Assert.Equal(0, reclaimer.Reclaims);
        reclaimer.OnTick();
        Assert.Equal(1, reclaimer.Reclaims);
    }

    [Fact]
    public void Open_connections_do_not_count_as_closed()
    {
        using var metrics = new JanusMetrics(TimeProvider.System);
        var reclaimer = new MemoryReclaimer(metrics);
        for (int i = 0; i < 5000; i++)
        {
            metrics.ConnectionOpened(TransportKind.Tcp);
        }

        reclaimer.OnTick();
        Assert.Equal(0, reclaimer.Reclaims);
    }

    private static void Churn(JanusMetrics metrics, int connections)
    {
        for (int i = 0; i < connections; i++)
        {
            metrics.ConnectionOpened(i % 2 == 0 ? TransportKind.Tcp : TransportKind.WebSocket);
            metrics.ConnectionClosed(i % 2 == 0 ? TransportKind.Tcp : TransportKind.WebSocket);
        }
    }
}
