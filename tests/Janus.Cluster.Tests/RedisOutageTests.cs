using System.Net;
using System.Text.Json;
using Janus.Server.Cluster;
using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Cluster.Tests;

public sealed class RedisOutageTests
{
    private const int UnreachableEvent = 32;

    [Fact]
    public async Task While_Redis_is_down_nodes_serve_locally_count_the_loss_and_report_not_ready_then_resume_after_a_restart()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        var logsA = new LogCapture();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix, logsA);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);

        var transitions = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        a.Cluster().ConnectionChanged += transitions.Enqueue;
        await using RawTcpClient onA = await a.SubscribeAsync("live");
        await using RawTcpClient onB = await b.SubscribeAsync("live");
        await a.WaitForChannelAsync("live", subscribed: true);
        await b.WaitForChannelAsync("live", subscribed: true);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ReadinessAsync(a));

        await a.PublishAsync("live", 1);
        Assert.Equal(1, await onA.ReadMessageIdAsync());
        Assert.Equal(1, await onB.ReadMessageIdAsync());

        await redis.KillAsync();
        await a.WaitForConnectionAsync(connected: false);
        await b.WaitForConnectionAsync(connected: false);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await ReadinessAsync(a));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await ReadinessAsync(b));

        // Local fan-out goes on; the other node does not get these, and the loss is counted.
        for (int id = 2; id <= 4; id++)
        {
            await a.PublishAsync("live", id);
            Assert.Equal(id, await onA.ReadMessageIdAsync());
        }

        IClusterStatus statusA = a.GetRequiredService<IClusterStatus>();
        Assert.Equal(3, statusA.PublishesNotForwarded);
        Assert.Equal(3, a.GetRequiredService<JanusMetrics>().ClusterPublishesNotForwarded);

        // A topic first subscribed during the outage is subscribed in Redis once it is back.
        await using RawTcpClient lateOnB = await b.SubscribeAsync("late");

        // A fresh Redis process: it knows none of the old subscriptions.
        await redis.StartProcessAsync();
        await a.WaitForConnectionAsync(connected: true);
        await b.WaitForConnectionAsync(connected: true);
        await ClusterNodes.WaitForSubscriberCountAsync(redis, prefix + "t:live", 2);
        await b.WaitForChannelAsync("late", subscribed: true);
        Assert.Equal(1, await redis.SubscriberCountAsync(prefix + "t:late"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ReadinessAsync(a));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ReadinessAsync(b));

        // Cross-node delivery resumes in both directions, without restarting a node; nothing lost is replayed.
        await a.PublishAsync("live", 5);
        Assert.Equal(5, await onA.ReadMessageIdAsync());
        Assert.Equal(5, await onB.ReadMessageIdAsync());
        await b.PublishAsync("live", 6);
        Assert.Equal(6, await onA.ReadMessageIdAsync());
        Assert.Equal(6, await onB.ReadMessageIdAsync());
        await a.PublishAsync("late", 7);
        Assert.Equal(7, await lateOnB.ReadMessageIdAsync());

        Assert.Equal(3, statusA.PublishesNotForwarded);
        // One outage, one warning: not one per publish or per reconnect attempt.
        Assert.Equal([false, true], transitions);
        Assert.True(logsA.Count(UnreachableEvent) == 1, logsA.ToString());
    }

    [Fact]
    public async Task A_node_started_while_Redis_is_down_serves_locally_and_joins_the_cluster_when_Redis_comes_up()
    {
        await using RedisServer redis = RedisServer.Reserve();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        Assert.False(a.Cluster().Connected);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await ReadinessAsync(a));

        await using RawTcpClient onA = await a.SubscribeAsync("boot");
        await a.PublishAsync("boot", 1);
        Assert.Equal(1, await onA.ReadMessageIdAsync());
        Assert.Equal(1, a.GetRequiredService<IClusterStatus>().PublishesNotForwarded);

        await redis.StartProcessAsync();
        await a.WaitForConnectionAsync(connected: true);
        await a.WaitForChannelAsync("boot", subscribed: true);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await ReadinessAsync(a));

        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await b.PublishAsync("boot", 2);
        Assert.Equal(2, await onA.ReadMessageIdAsync());
    }

    /// <summary><c>GET /readyz</c> on the node's HTTP listener: the status code and the <c>cluster</c> check's status.</summary>
    private static async Task<(HttpStatusCode Code, string ClusterCheck)> ReadinessAsync(JanusTestServer node)
    {
        using var http = new HttpClient { BaseAddress = node.HttpBaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using HttpResponseMessage response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString()!);
    }
}
