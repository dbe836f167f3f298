using System.Globalization;
using Janus.Protocol;
using Janus.Server.Cluster;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Sessions;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Api;

/// <summary><c>GET /api/stats</c> (the server now) and <c>GET /api/stats/history</c> (the last ten minutes).</summary>
internal sealed class StatsEndpoint
{
    /// <summary>Rates are averaged over this much of the recent past.</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);

    /// <summary>Latency percentiles cover the publishes of this much of the recent past.</summary>
    private static readonly TimeSpan LatencyWindow = TimeSpan.FromSeconds(60);

    private readonly JanusMetrics _metrics;
    private readonly StatsSampler _sampler;
    private readonly FanoutLatency _latency;
    private readonly TopicRegistry _topics;
    private readonly SessionRegistry _sessions;
    private readonly IClusterStatus _cluster;

    public StatsEndpoint(JanusMetrics metrics, StatsSampler sampler, FanoutLatency latency, TopicRegistry topics, SessionRegistry sessions, IClusterStatus cluster)
    {
        _metrics = metrics;
        _sampler = sampler;
        _latency = latency;
        _topics = topics;
        _sessions = sessions;
        _cluster = cluster;
    }

    public Task GetStatsAsync(HttpContext context) =>
        ApiResponses.WriteAsync(context, StatusCodes.Status200OK, Build(), JanusJsonContext.Default.StatsResponse);

    public Task GetHistoryAsync(HttpContext context)
    {
        long since = long.MinValue;
        if (context.Request.Query.TryGetValue("since", out var value)
            && !long.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out since))
        {
            return ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_query", "since must be unix milliseconds");
        }

        var response = new StatsHistoryResponse((int)StatsSampler.Interval.TotalSeconds, StatsSampler.HistoryLength, _sampler.GetHistory(since));
        return ApiResponses.WriteAsync(context, StatusCodes.Status200OK, response, JanusJsonContext.Default.StatsHistoryResponse);
    }

    internal StatsResponse Build()
    {
        CounterSnapshot now = _sampler.Capture();
        double frequency = _sampler.Time.TimestampFrequency;
        CounterSnapshot rateBase = _sampler.SnapshotBefore(now, RateWindow);
        double seconds = (now.Timestamp - rateBase.Timestamp) / frequency;
        RateStats rates = seconds <= 0
            ? new RateStats(0, 0, 0, 0, 0)
            : new RateStats(
                Math.Round(seconds, 3),
                (now.Publishes - rateBase.Publishes) / seconds,
                (now.Deliveries - rateBase.Deliveries) / seconds,
                (now.BytesSent - rateBase.BytesSent) / seconds,
                (now.BytesReceived - rateBase.BytesReceived) / seconds);

        CounterSnapshot latencyBase = _sampler.SnapshotBefore(now, LatencyWindow);
        LatencySummary enqueue = _latency.Enqueue.Summarize(latencyBase.EnqueueCount, now.EnqueueCount, FanoutLatency.BucketBounds);
        LatencySummary write = _latency.Write.Summarize(latencyBase.WriteCount, now.WriteCount, FanoutLatency.BucketBounds);

        long subscriptions = 0;
        foreach (KeyValuePair<string, int> topic in _topics.Snapshot())
        {
            subscriptions += topic.Value;
        }

        var errors = new Dictionary<string, long>(ProtocolErrors.Count - 1, StringComparer.Ordinal);
        for (int i = 1; i < ProtocolErrors.Count; i++)
        {
            errors[ProtocolErrors.Code((ProtocolError)i)] = _metrics.Errors((ProtocolError)i);
        }

        var peers = new List<PeerStats>();
        foreach (ClusterPeer peer in _cluster.Peers)
        {
            peers.Add(new PeerStats(peer.NodeId, peer.LastSeen));
        }

        long tcp = now.ConnectionsTcp, ws = now.ConnectionsWebSocket;
        long acceptedTcp = _metrics.TotalConnections(TransportKind.Tcp), acceptedWs = _metrics.TotalConnections(TransportKind.WebSocket);
        long acceptedDashboard = _metrics.TotalConnections(TransportKind.Dashboard);
        return new StatsResponse(
            _cluster.NodeId,
            new ClusterStats(_cluster.Enabled, _cluster.Enabled && _cluster.Connected, peers, _cluster.PublishesNotForwarded),
            Math.Round((now.Timestamp - _sampler.Started.Timestamp) / frequency, 3),
            new TransportCounts(tcp, ws, tcp + ws, now.ConnectionsDashboard),
            new TransportCounts(acceptedTcp, acceptedWs, acceptedTcp + acceptedWs, acceptedDashboard),
            _sessions.Count,
            _topics.SubscribedCount,
            subscriptions,
            _metrics.Subscribes,
            _metrics.Unsubscribes,
            new MessageCounts(
                now.Publishes,
                now.Deliveries,
                new PublishCounts(_metrics.Publishes(TransportKind.Tcp), _metrics.Publishes(TransportKind.WebSocket), _metrics.Publishes(TransportKind.Http), _metrics.Publishes(TransportKind.Cluster))),
            rates,
            now.SlowConsumers,
            errors,
            new ByteCounts(now.BytesSent, now.BytesReceived),
            _metrics.HeartbeatPings,
            new LatencyStats((int)LatencyWindow.TotalSeconds, FanoutLatency.BucketBounds, ToPercentiles(enqueue), ToPercentiles(write)));
    }

    private static LatencyPercentiles ToPercentiles(LatencySummary summary) =>
        new(summary.Count, Round(summary.P50), Round(summary.P90), Round(summary.P99), Round(summary.Max), summary.Buckets);

    private static double Round(double milliseconds) => Math.Round(milliseconds, 3);
}
