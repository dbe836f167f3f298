namespace Janus.Server.Metrics;

/// <summary>One second of the server's life, as <c>GET /api/stats/history</c> returns it.</summary>
/// <param name="Time">The end of the second, unix milliseconds.</param>
/// <param name="ConnectionsTcp">Open TCP connections at that time.</param>
/// <param name="ConnectionsWebsocket">Open WebSocket client connections at that time (not the dashboard pages' own).</param>
/// <param name="ConnectionsDashboard">Open dashboard page connections at that time.</param>
/// <param name="Sessions">Live sessions at that time.</param>
/// <param name="Topics">Topics with subscribers at that time.</param>
/// <param name="PublishesPerSecond">Messages published during the second, all transports.</param>
/// <param name="DeliveriesPerSecond">Messages queued to subscribers during the second.</param>
/// <param name="BytesSentPerSecond">Bytes written to clients during the second.</param>
/// <param name="BytesReceivedPerSecond">Bytes read from clients during the second.</param>
/// <param name="SlowConsumerDisconnects">Slow-consumer disconnects since start.</param>
/// <param name="Errors">Protocol errors since start.</param>
/// <param name="Fanouts">Publishes that reached at least one subscriber during the second (the latencies below are theirs).</param>
/// <param name="EnqueueP50Ms">Median publish-to-last-enqueue latency in the second, or null without fan-outs.</param>
/// <param name="EnqueueP99Ms">99th percentile publish-to-last-enqueue latency.</param>
/// <param name="EnqueueMaxMs">Largest publish-to-last-enqueue latency.</param>
/// <param name="WriteP50Ms">Median publish-to-last-write latency of messages whose last write happened in the second.</param>
/// <param name="WriteP99Ms">99th percentile publish-to-last-write latency.</param>
/// <param name="WriteMaxMs">Largest publish-to-last-write latency.</param>
public sealed record StatsHistorySample(
    long Time,
    long ConnectionsTcp,
    long ConnectionsWebsocket,
    long ConnectionsDashboard,
    int Sessions,
    int Topics,
    double PublishesPerSecond,
    double DeliveriesPerSecond,
    double BytesSentPerSecond,
    double BytesReceivedPerSecond,
    long SlowConsumerDisconnects,
    long Errors,
    int Fanouts,
    double? EnqueueP50Ms,
    double? EnqueueP99Ms,
    double? EnqueueMaxMs,
    double? WriteP50Ms,
    double? WriteP99Ms,
    double? WriteMaxMs);
