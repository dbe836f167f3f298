using Janus.Server.Cluster;
using Janus.Server.Publishing;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Janus.Cluster.Tests;

public sealed class PeerTests
{
    [Fact]
    public async Task Nodes_list_each_other_as_peers_and_drop_a_node_that_stops()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        JanusTestServer c = await ClusterNodes.StartAsync(redis, "node-c", prefix);

        await a.WaitForPeersAsync("node-b", "node-c");
        await b.WaitForPeersAsync("node-a", "node-c");
        await c.WaitForPeersAsync("node-a", "node-b");
        IClusterStatus status = a.GetRequiredService<IClusterStatus>();
        Assert.Equal("node-a", status.NodeId);
        Assert.True(status.Enabled);
        Assert.All(status.Peers, peer => Assert.InRange(peer.LastSeen, DateTimeOffset.UtcNow.AddSeconds(-3), DateTimeOffset.UtcNow.AddSeconds(1)));

        await c.DisposeAsync();
        await a.WaitForPeersAsync("node-b");
        await b.WaitForPeersAsync("node-a");
    }

    [Fact]
    public async Task A_node_without_a_configured_id_gets_one_that_stays_the_same_for_the_process()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix, settings: new Dictionary<string, string?> { ["Janus:Cluster:NodeId"] = null });
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);

        string id = a.GetRequiredService<IClusterStatus>().NodeId;
        Assert.True(NodeIds.IsValid(id), id);
        Assert.Matches("-[0-9a-f]{8}$", id);
        await b.WaitForPeersAsync(id);
        Assert.Equal(id, a.GetRequiredService<IClusterStatus>().NodeId);
    }

    [Fact]
    public async Task Two_nodes_misconfigured_with_one_node_id_still_deliver_to_each_other_and_say_so()
    {
        const int DuplicateNodeIdEvent = 41;
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        var logs = new LogCapture();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "twin", prefix, logs);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "twin", prefix);

        await using RawTcpClient onA = await a.SubscribeAsync("twins");
        await using RawTcpClient onB = await b.SubscribeAsync("twins");
        await a.WaitForChannelAsync("twins", subscribed: true);
        await b.WaitForChannelAsync("twins", subscribed: true);

        await a.PublishAsync("twins", 1);
        await a.PublishAsync("twins", 2);
        foreach (RawTcpClient subscriber in new[] { onA, onB })
        {
            Assert.Equal(1, await subscriber.ReadMessageIdAsync());
            Assert.Equal(2, await subscriber.ReadMessageIdAsync());
        }

        // The announcements of the other process arrive every heartbeat interval; the error is logged once.
        await ClusterNodes.WaitForLogAsync(logs, DuplicateNodeIdEvent);
        Assert.Empty(a.GetRequiredService<IClusterStatus>().Peers);
    }

    [Fact]
    public async Task Without_a_Redis_setting_Janus_runs_single_node_with_no_cluster_services()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Cluster:NodeId"] = "solo" });

        IClusterStatus status = server.GetRequiredService<IClusterStatus>();
        Assert.IsType<SingleNodeStatus>(status);
        Assert.Equal("solo", status.NodeId);
        Assert.False(status.Enabled);
        Assert.Equal(typeof(Publisher), server.GetRequiredService<Publisher>().GetType());
        Assert.Null(server.Services.GetService<RedisCluster>());
        HealthReport readiness = await server.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, readiness.Entries["cluster"].Status);
        Assert.Equal("single node", readiness.Entries["cluster"].Description);

        await using RawTcpClient subscriber = await server.SubscribeAsync("solo-topic");
        await server.PublishAsync("solo-topic", 1);
        Assert.Equal(1, await subscriber.ReadMessageIdAsync());
    }
}
