namespace Janus.Server.Cluster;

/// <summary>
/// What this node knows of the cluster, for stats, the dashboard and readiness. Single-node Janus registers
/// <see cref="SingleNodeStatus"/>; the Redis cluster replaces it.
/// </summary>
public interface IClusterStatus
{
    /// <summary>This node's id (stable for the life of the process).</summary>
    string NodeId { get; }

    /// <summary>Whether clustering is configured at all.</summary>
    bool Enabled { get; }

    /// <summary>Whether the cluster engine is reachable now (always false single-node: there is none).</summary>
    bool Connected { get; }

    /// <summary>Other nodes seen recently, with when each was last heard from.</summary>
    IReadOnlyList<ClusterPeer> Peers { get; }

    /// <summary>Publishes that could not be sent to other nodes because the engine was unreachable.</summary>
    long PublishesNotForwarded { get; }
}
