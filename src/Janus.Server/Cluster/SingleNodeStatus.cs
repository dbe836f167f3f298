using Janus.Server.Options;
using Microsoft.Extensions.Options;

namespace Janus.Server.Cluster;

/// <summary>The cluster status of a node that runs alone: no peers, and no cluster engine to be connected to.</summary>
public sealed class SingleNodeStatus : IClusterStatus
{
    /// <summary>Takes the configured node id (<c>Janus:Cluster:NodeId</c>), or makes one up.</summary>
    public SingleNodeStatus(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        NodeId = NodeIds.Resolve(options.Value.Cluster);
    }

    /// <inheritdoc />
    public string NodeId { get; }

    /// <inheritdoc />
    public bool Enabled => false;

    /// <inheritdoc />
    public bool Connected => false;

    /// <inheritdoc />
    public IReadOnlyList<ClusterPeer> Peers => [];

    /// <inheritdoc />
    public long PublishesNotForwarded => 0;
}
