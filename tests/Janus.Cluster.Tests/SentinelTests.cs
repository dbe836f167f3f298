using System.Diagnostics;
using Janus.Server.Options;
using Janus.Testing;
using Xunit.Abstractions;

namespace Janus.Cluster.Tests;

/// <summary>
/// Janus nodes joined through a Sentinel-managed primary (docs/cluster.md, "Sentinel"): the connection follows the
/// primary through a failover and the channel subscriptions with it.
/// </summary>
public sealed class SentinelTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_primary_killed_while_publishing_is_replaced_by_the_replica_and_delivery_resumes()
    {
        await using RedisSentinelServers redis = await RedisSentinelServers.StartAsync(downAfter: TimeSpan.FromSeconds(1));
        string prefix = ClusterNodes.NewPrefix();
        var settings = new Dictionary<string, string?>
        {
            ["Janus:History:Rules:0:Prefix"] = "plain",
            ["Janus:History:Rules:0:Size"] = "0",
        };
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis.ConnectionString, "node-a", prefix, settings: settings);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis.ConnectionString, "node-b", prefix, settings: settings);
        Assert.Equal(ClusterRedisMode.Sentinel, a.Cluster().Mode);
        Assert.False(a.Cluster().ShardedChannels);
        await a.WaitForConnectionAsync(connected: true);
        await b.WaitForConnectionAsync(connected: true);
        await a.WaitForPeersAsync("node-b");

        await using FailoverProbe plainProbe = await FailoverProbe.StartAsync(a, b, "plain", TimeSpan.FromMilliseconds(10));
        await using FailoverProbe keptProbe = await FailoverProbe.StartAsync(a, b, "kept", TimeSpan.FromMilliseconds(10));
        await plainProbe.WaitForReceivedAfterAsync(0, 20, ClusterNodes.Timeout);
        await keptProbe.WaitForReceivedAfterAsync(0, 20, ClusterNodes.Timeout);

        long killedAt = Stopwatch.GetTimestamp();
        int plainAtKill = plainProbe.LastSent;
        int keptAtKill = keptProbe.LastSent;
        await redis.Primary.KillAsync();

        // The sentinels agree the primary is down after down-after-milliseconds (1 s) and promote the replica...
        await RedisSentinelServers.WaitUntilAsync(async () => await redis.PrimaryPortAsync() == redis.Replica.Port, "the sentinels to promote the replica");
        TimeSpan promoted = Stopwatch.GetElapsedTime(killedAt);

        // ...and the nodes follow it: both topics flow again, through the new primary.
        await plainProbe.WaitForReceivedAfterAsync(plainAtKill, 30, ClusterNodes.Timeout);
        await keptProbe.WaitForReceivedAfterAsync(keptAtKill, 30, ClusterNodes.Timeout);
        FailoverReport plainReport = await plainProbe.StopAsync(killedAt, ClusterNodes.Timeout);
        FailoverReport keptReport = await keptProbe.StopAsync(killedAt, ClusterNodes.Timeout);
        output.WriteLine($"Sentinel, primary killed (SIGKILL), down-after-milliseconds 1 s; sentinels named the replica after {promoted.TotalMilliseconds:F0} ms");
        output.WriteLine("without history: " + plainReport);
        output.WriteLine("with history:    " + keptReport);

        // Recovered: the last messages all arrived. (Right after the first message through the new primary a publish
        // can still fail while StackExchange.Redis settles: it happened to one of about ten runs, once.)
        Assert.Equal(0, plainReport.LostOfLast);
        Assert.Equal(0, keptReport.LostOfLast);
        Assert.Equal(0, plainReport.Duplicates);
        Assert.True(await redis.Replica.SubscriberCountAsync(prefix + "t:plain") >= 1);
        Assert.True(a.Cluster().Connected);
        Assert.True(b.Cluster().Connected);
    }

    [Fact]
    public async Task A_node_started_while_no_sentinel_answers_joins_once_they_do()
    {
        await using RedisSentinelServers redis = await RedisSentinelServers.StartAsync();
        foreach (RedisServer sentinel in redis.Sentinels)
        {
            await sentinel.KillAsync();
        }

        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis.ConnectionString, "node-a", prefix);
        Assert.False(a.Cluster().Connected);

        foreach (RedisServer sentinel in redis.Sentinels)
        {
            await sentinel.StartProcessAsync();
        }

        await a.WaitForConnectionAsync(connected: true);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis.ConnectionString, "node-b", prefix);
        await using RawTcpClient subscriber = await b.SubscribeAsync("news");
        await b.WaitForChannelAsync("news", subscribed: true);
        await a.PublishAsync("news", 1);
        Assert.Equal(1, await subscriber.ReadMessageIdAsync());
    }
}
