namespace Janus.Server.Options;

/// <summary>How the nodes of a Janus cluster use the Redis that joins them (<c>Janus:Cluster:RedisMode</c>).</summary>
public enum ClusterRedisMode
{
    /// <summary>
    /// <see cref="Sentinel"/> when the connection string names a <c>serviceName</c>; otherwise decided on the first
    /// connection: <see cref="Cluster"/> if the server is a Redis Cluster node, <see cref="Standalone"/> if not.
    /// </summary>
    Auto,

    /// <summary>
    /// One Redis server (or a primary with replicas): classic <c>PUBLISH</c>/<c>SUBSCRIBE</c> on
    /// <c>{prefix}t:{topic}</c>.
    /// </summary>
    Standalone,

    /// <summary>
    /// Redis Cluster (Redis 7 or later): topic channels are sharded channels (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c> on
    /// <c>{prefix}t:{{topic}}</c>), so each topic's traffic stays on the master that owns its slot.
    /// </summary>
    Cluster,

    /// <summary>
    /// A primary managed by Redis Sentinel: the connection string names the sentinels and the <c>serviceName</c>, and
    /// the connection follows the primary through failovers. Channels as in <see cref="Standalone"/>.
    /// </summary>
    Sentinel,
}
