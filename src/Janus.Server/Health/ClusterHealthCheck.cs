using Janus.Server.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Janus.Server.Health;

/// <summary>Ready when clustering is off, or when the cluster engine is reachable (<see cref="IClusterStatus.Connected"/>).</summary>
public sealed class ClusterHealthCheck : IHealthCheck
{
    private readonly IClusterStatus _cluster;

    /// <summary>Creates the check.</summary>
    public ClusterHealthCheck(IClusterStatus cluster) => _cluster = cluster;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        HealthCheckResult result = !_cluster.Enabled
            ? HealthCheckResult.Healthy("single node")
            : _cluster.Connected
                ? HealthCheckResult.Healthy($"cluster engine reachable, {_cluster.Peers.Count} peers seen")
                : HealthCheckResult.Unhealthy("the cluster engine is unreachable: publishes do not reach other nodes");
        return Task.FromResult(result);
    }
}
