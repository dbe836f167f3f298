namespace Janus.Server.Cluster;

/// <summary>Another node of the cluster as this node last saw it.</summary>
/// <param name="NodeId">The peer's node id.</param>
/// <param name="LastSeen">When the peer was last heard from.</param>
public sealed record ClusterPeer(string NodeId, DateTimeOffset LastSeen);
