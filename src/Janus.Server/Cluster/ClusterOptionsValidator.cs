using Janus.Server.Options;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Janus.Server.Cluster;

/// <summary>Checks the <c>Janus:Cluster</c> settings at start-up and names every bad one with its key.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<JanusOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, JanusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ClusterOptions cluster = options.Cluster;
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(cluster.NodeId) && !NodeIds.IsValid(cluster.NodeId))
        {
            failures.Add($"Janus:Cluster:NodeId '{cluster.NodeId}' must be 1 to {ClusterOptions.MaxNodeIdLength} characters of letters, digits, '.', '_' and '-'.");
        }

        if (!cluster.Enabled)
        {
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        try
        {
            ConfigurationOptions redis = ConfigurationOptions.Parse(cluster.Redis!);
            if (redis.EndPoints.Count == 0)
            {
                failures.Add($"Janus:Cluster:Redis '{cluster.Redis}' names no Redis endpoint (expected e.g. 127.0.0.1:6379).");
            }

            bool sentinel = !string.IsNullOrEmpty(redis.ServiceName);
            if (cluster.RedisMode == ClusterRedisMode.Sentinel && !sentinel)
            {
                failures.Add($"Janus:Cluster:RedisMode is Sentinel, so Janus:Cluster:Redis must name the sentinels and the primary's service, e.g. 'sentinel1:26379,sentinel2:26379,serviceName=mymaster' (got '{cluster.Redis}').");
            }
            else if (sentinel && cluster.RedisMode is ClusterRedisMode.Standalone or ClusterRedisMode.Cluster)
            {
                failures.Add($"Janus:Cluster:Redis names a serviceName, which means Redis Sentinel, but Janus:Cluster:RedisMode is {cluster.RedisMode}; use Sentinel or Auto.");
            }
        }
        catch (ArgumentException ex)
        {
            failures.Add($"Janus:Cluster:Redis is not a valid StackExchange.Redis connection string: {ex.Message}");
        }

        if (string.IsNullOrEmpty(cluster.ChannelPrefix) || cluster.ChannelPrefix.Length > 64)
        {
            failures.Add($"Janus:Cluster:ChannelPrefix must be 1 to 64 characters (got '{cluster.ChannelPrefix}').");
        }
        else if (cluster.RedisMode is ClusterRedisMode.Auto or ClusterRedisMode.Cluster && cluster.ChannelPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            // In a Redis Cluster the slot of a key or sharded channel is decided by its first {…}: a brace in the
            // prefix would take that role from the topic and put keys of one topic on different slots.
            failures.Add($"Janus:Cluster:ChannelPrefix must not hold '{{' or '}}' when Janus:Cluster:RedisMode is {cluster.RedisMode} (in a Redis Cluster the topic is the hash tag; got '{cluster.ChannelPrefix}'); set RedisMode to Standalone or Sentinel to keep it.");
        }

        if (cluster.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || cluster.HeartbeatInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Janus:Cluster:HeartbeatInterval must be between 100 ms and 1 minute (got {cluster.HeartbeatInterval}).");
        }

        if (cluster.PeerTimeout <= cluster.HeartbeatInterval)
        {
            failures.Add($"Janus:Cluster:PeerTimeout ({cluster.PeerTimeout}) must be longer than Janus:Cluster:HeartbeatInterval ({cluster.HeartbeatInterval}), or live peers drop out between announcements.");
        }

        if (cluster.ReconnectMaxDelay < TimeSpan.FromMilliseconds(100) || cluster.ReconnectMaxDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Janus:Cluster:ReconnectMaxDelay must be between 100 ms and 5 minutes (got {cluster.ReconnectMaxDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
