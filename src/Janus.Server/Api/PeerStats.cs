namespace Janus.Server.Api;

/// <summary>Another node of the cluster.</summary>
/// <param name="NodeId">Its node id.</param>
/// <param name="LastSeen">When it was last heard from.</param>
public sealed record PeerStats(string NodeId, DateTimeOffset LastSeen);
