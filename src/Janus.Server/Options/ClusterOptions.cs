namespace Janus.Server.Options;

/// <summary>
/// Several Janus nodes joined through Redis pub/sub. Off unless <see cref="Redis"/> is set: without it Janus runs
/// single-node, in memory, and no Redis code runs.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>Longest node id, in characters (it travels in every forwarded message).</summary>
    public const int MaxNodeIdLength = 64;

    /// <summary>
    /// A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c> or
    /// <c>redis.internal:6379,password=…,connectTimeout=2000</c>. Setting it turns clustering on. Janus always
    /// connects with <c>abortConnect=false</c> (start and keep serving while Redis is down) and fails fast instead of
    /// queueing commands while disconnected. Defaults to none: single-node.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// What <see cref="Redis"/> points at: <see cref="ClusterRedisMode.Auto"/> (the default) detects a Redis Cluster
    /// on the first connection and takes a <c>serviceName</c> in the connection string for Sentinel;
    /// <see cref="ClusterRedisMode.Standalone"/>, <see cref="ClusterRedisMode.Cluster"/> and
    /// <see cref="ClusterRedisMode.Sentinel"/> say so outright. In a Redis Cluster topic channels are sharded.
    /// </summary>
    public ClusterRedisMode RedisMode { get; set; } = ClusterRedisMode.Auto;

    /// <summary>
    /// This node's id: letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, at most 64 characters. It tags every message
    /// this node forwards (so the node can ignore its own messages coming back) and names the node to its peers.
    /// Defaults to the host name and 8 random hex characters, fixed for the life of the process.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// Prefix of every Redis channel Janus uses: topic <c>T</c> travels on <c>{prefix}t:T</c> and node announcements
    /// on <c>{prefix}nodes</c>. Give two clusters sharing one Redis different prefixes. Defaults to <c>janus:</c>.
    /// </summary>
    public string ChannelPrefix { get; set; } = "janus:";

    /// <summary>
    /// How often a node announces itself to its peers and re-checks its Redis connection. Defaults to 1 s.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A peer not heard from for this long is no longer listed. Defaults to 5 s (five missed announcements).
    /// </summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest wait between two reconnect attempts while Redis is unreachable; attempts start fast and back off
    /// exponentially up to this. Defaults to 5 s.
    /// </summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether clustering is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}
