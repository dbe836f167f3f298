using Janus.Protocol;

namespace Janus.Server.Cluster;

/// <summary>The cluster status of a node that runs alone: no peers, always connected.</summary>
public sealed class SingleNodeStatus : IClusterStatus
{
    /// <inheritdoc />
    public string NodeId { get; } = Environment.MachineName.ToLowerInvariant() + "-" + ServerMessages.NewToken()[..8];

    /// <inheritdoc />
    public bool Enabled => false;

    /// <inheritdoc />
    public bool Connected => true;

    /// <inheritdoc />
    public IReadOnlyList<ClusterPeer> Peers => [];

    /// <inheritdoc />
    public long PublishesNotForwarded => 0;
}
