namespace Janus.Server.Api;

/// <summary>The answer to <c>GET /api/stats</c>: the server now.</summary>
/// <param name="NodeId">This node's id.</param>
/// <param name="Cluster">The cluster as this node sees it.</param>
/// <param name="UptimeSeconds">Seconds since the server started.</param>
/// <param name="Connections">Open client connections.</param>
/// <param name="ConnectionsAccepted">Client connections accepted since start.</param>
/// <param name="Sessions">Live sessions.</param>
/// <param name="Topics">Topics with at least one local subscriber.</param>
/// <param name="Subscriptions">Subscriptions over all topics.</param>
/// <param name="Subscribes">Subscribe requests that added a subscription, since start.</param>
/// <param name="Unsubscribes">Subscriptions removed (by request or disconnect), since start.</param>
/// <param name="Messages">Messages in and out since start.</param>
/// <param name="Rates">Rates over the last few seconds.</param>
/// <param name="SlowConsumerDisconnects">Connections cut because their outbound queue passed its bound, since start.</param>
/// <param name="Errors">Connections closed with an error, by error code, since start.</param>
/// <param name="Bytes">Bytes on client connections since start.</param>
/// <param name="HeartbeatPings">Heartbeat PINGs sent, since start.</param>
/// <param name="Latency">Fan-out latency over recent publishes.</param>
public sealed record StatsResponse(
    string NodeId,
    ClusterStats Cluster,
    double UptimeSeconds,
    TransportCounts Connections,
    TransportCounts ConnectionsAccepted,
    int Sessions,
    int Topics,
    long Subscriptions,
    long Subscribes,
    long Unsubscribes,
    MessageCounts Messages,
    RateStats Rates,
    long SlowConsumerDisconnects,
    IReadOnlyDictionary<string, long> Errors,
    ByteCounts Bytes,
    long HeartbeatPings,
    LatencyStats Latency);
