namespace Janus.Server.Api;

/// <summary>What this node knows of its cluster.</summary>
/// <param name="Enabled">Whether clustering is configured.</param>
/// <param name="Connected">Whether the cluster engine is reachable (always false single-node: there is none).</param>
/// <param name="Peers">Other nodes seen recently.</param>
/// <param name="PublishesNotForwarded">Publishes that could not reach other nodes.</param>
public sealed record ClusterStats(bool Enabled, bool Connected, IReadOnlyList<PeerStats> Peers, long PublishesNotForwarded);
