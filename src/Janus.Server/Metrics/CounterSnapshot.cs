namespace Janus.Server.Metrics;

/// <summary>Every counter and gauge the stats need, read at one moment.</summary>
/// <param name="Timestamp">When, in <see cref="TimeProvider"/> timestamp units.</param>
/// <param name="UnixMilliseconds">When, as wall-clock unix milliseconds.</param>
/// <param name="Publishes">Messages published since start, all transports.</param>
/// <param name="Deliveries">Messages queued to subscribers since start.</param>
/// <param name="BytesSent">Bytes written to clients since start.</param>
/// <param name="BytesReceived">Bytes read from clients since start.</param>
/// <param name="SlowConsumers">Slow-consumer disconnects since start.</param>
/// <param name="Errors">Protocol errors since start, all codes.</param>
/// <param name="ConnectionsTcp">Open TCP connections.</param>
/// <param name="ConnectionsWebSocket">Open WebSocket client connections (not the dashboard pages' own).</param>
/// <param name="ConnectionsDashboard">Open dashboard page connections (<see cref="Fanout.TransportKind.Dashboard"/>).</param>
/// <param name="Sessions">Live sessions.</param>
/// <param name="Topics">Topics with subscribers.</param>
/// <param name="EnqueueCount">Position of <see cref="FanoutLatency.Enqueue"/>.</param>
/// <param name="WriteCount">Position of <see cref="FanoutLatency.Write"/>.</param>
public readonly record struct CounterSnapshot(
    long Timestamp,
    long UnixMilliseconds,
    long Publishes,
    long Deliveries,
    long BytesSent,
    long BytesReceived,
    long SlowConsumers,
    long Errors,
    long ConnectionsTcp,
    long ConnectionsWebSocket,
    long ConnectionsDashboard,
    int Sessions,
    int Topics,
    long EnqueueCount,
    long WriteCount);
