using System.Text.RegularExpressions;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Cluster.Tests;

public sealed partial class CrossNodeDeliveryTests
{
    [Fact]
    public async Task A_publish_on_one_node_reaches_every_subscriber_on_every_node_exactly_once()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await using JanusTestServer c = await ClusterNodes.StartAsync(redis, "node-c", prefix);

        await using RawTcpClient onA = await a.SubscribeAsync("news");
        await using RawTcpClient onB1 = await b.SubscribeAsync("news");
        await using RawTcpClient onB2 = await b.SubscribeAsync("news");
        await using RawTcpClient onC = await c.SubscribeAsync("news");
        await a.WaitForChannelAsync("news", subscribed: true);
        await b.WaitForChannelAsync("news", subscribed: true);
        await c.WaitForChannelAsync("news", subscribed: true);

        await a.PublishAsync("news", 1, "{\"x\": [1, 2]}");
        await a.PublishAsync("news", 2);

        RawTcpClient[] subscribers = [onA, onB1, onB2, onC];
        var timestamps = new HashSet<string>(StringComparer.Ordinal);
        foreach (RawTcpClient subscriber in subscribers)
        {
            string first = await subscriber.ReadMessageAsync();
            Match match = DeliveryPattern().Match(first);
            Assert.True(match.Success, first);
            Assert.Equal("""{"x":[1,2]}""", match.Groups["data"].Value);
            timestamps.Add(match.Groups["timestamp"].Value);

            // A duplicate of 1 would come before 2.
            Assert.Equal(2, await subscriber.ReadMessageIdAsync());
        }

        // From another node, once 1 and 2 are in (there is no order between publishes of different nodes).
        await b.PublishAsync("news", 3);
        foreach (RawTcpClient subscriber in subscribers)
        {
            Assert.Equal(3, await subscriber.ReadMessageIdAsync());
        }

        // Every subscriber, local or remote, sees the time the origin node stamped.
        Assert.Single(timestamps);

        // Each node takes in the publishes of the others, never its own coming back.
        Assert.Equal(1, a.GetRequiredService<JanusMetrics>().ClusterMessagesReceived);
        Assert.Equal(2, b.GetRequiredService<JanusMetrics>().ClusterMessagesReceived);
        Assert.Equal(3, c.GetRequiredService<JanusMetrics>().ClusterMessagesReceived);
        Assert.Equal(2, a.GetRequiredService<JanusMetrics>().Publishes(TransportKind.Tcp));
        Assert.Equal(1, a.GetRequiredService<JanusMetrics>().Publishes(TransportKind.Cluster));
    }

    [Fact]
    public async Task A_topic_with_subscribers_only_on_other_nodes_still_reaches_them()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);

        await using RawTcpClient onB = await b.SubscribeAsync("remote-only");
        await b.WaitForChannelAsync("remote-only", subscribed: true);

        await a.PublishAsync("remote-only", 42);

        Assert.Equal(42, await onB.ReadMessageIdAsync());
        Assert.False(a.Cluster().IsChannelSubscribed("remote-only"));
    }

    [GeneratedRegex("""^\{"timestamp":(?<timestamp>\[\d+,\d+,\d+\]),"topic":"news","event":"e","message_id":1,"data":(?<data>.*)\}$""")]
    private static partial Regex DeliveryPattern();
}
