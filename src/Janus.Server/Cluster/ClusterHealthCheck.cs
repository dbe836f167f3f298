using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Janus.Server.Cluster;

/// <summary>
/// Readiness of a clustered node: healthy while Redis is reachable, unhealthy during an outage (the node still
/// serves its own subscribers, but its publishes do not reach the other nodes and theirs do not reach it). Tagged
/// <see cref="ReadyTag"/>, so it counts in <c>/readyz</c> and never in liveness.
/// </summary>
public sealed class ClusterHealthCheck : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "cluster";

    /// <summary>The tag of every readiness check.</summary>
    public const string ReadyTag = "ready";

    private readonly IClusterStatus _status;

    /// <summary>Creates the check over the node's cluster status.</summary>
    public ClusterHealthCheck(IClusterStatus status) => _status = status;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ClusterPeer> peers = _status.Peers;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["node_id"] = _status.NodeId,
            ["peers"] = peers.Count,
            ["publishes_not_forwarded"] = _status.PublishesNotForwarded,
        };
        HealthCheckResult result = _status.Connected
            ? HealthCheckResult.Healthy($"Node {_status.NodeId} is connected to Redis; {peers.Count} peer(s) seen.", data)
            : HealthCheckResult.Unhealthy($"Node {_status.NodeId} cannot reach Redis: its publishes reach its own subscribers only, and other nodes' publishes do not reach it.", data: data);
        return Task.FromResult(result);
    }
}
