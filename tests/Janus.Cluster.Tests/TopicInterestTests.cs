using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Cluster.Tests;

public sealed class TopicInterestTests
{
    [Fact]
    public async Task Nodes_subscribe_only_to_the_channels_of_their_local_topics_and_leave_with_the_last_subscriber()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await using JanusTestServer c = await ClusterNodes.StartAsync(redis, "node-c", prefix);

        await using RawTcpClient sharedOnA = await a.SubscribeAsync("shared");
        RawTcpClient sharedOnB = await b.SubscribeAsync("shared");
        RawTcpClient onlyOnB = await b.SubscribeAsync("only-b");
        await using RawTcpClient barrierOnC = await c.SubscribeAsync("c-barrier");
        await a.WaitForChannelAsync("shared", subscribed: true);
        await b.WaitForChannelAsync("shared", subscribed: true);
        await b.WaitForChannelAsync("only-b", subscribed: true);
        await c.WaitForChannelAsync("c-barrier", subscribed: true);

        Assert.Equal(2, await redis.SubscriberCountAsync(prefix + "t:shared"));
        Assert.Equal(1, await redis.SubscriberCountAsync(prefix + "t:only-b"));
        Assert.Equal(0, await redis.SubscriberCountAsync(prefix + "t:nobody"));
        Assert.Equal([prefix + "t:c-barrier", prefix + "t:only-b", prefix + "t:shared"], await redis.ActiveChannelsAsync(prefix + "t:*"));
        // Per node, the subscriber connection holds its topics, plus the node announcement channel and
        // StackExchange.Redis's own configuration-change channel (subscribed in the background: polled for).
        await ClusterNodes.WaitForClientSubscriptionsAsync(redis, "janus-node-a", 1 + 2);
        await ClusterNodes.WaitForClientSubscriptionsAsync(redis, "janus-node-b", 2 + 2);
        await ClusterNodes.WaitForClientSubscriptionsAsync(redis, "janus-node-c", 1 + 2);

        // Publishes to topics C has no subscribers for still cost A one PUBLISH each, but C receives nothing for
        // them: Redis keeps one connection's messages in order, so the barrier arriving proves the others never will.
        await a.PublishAsync("only-b", 1);
        await a.PublishAsync("nobody", 2);
        await a.PublishAsync("c-barrier", 3);
        Assert.Equal(3, await barrierOnC.ReadMessageIdAsync());
        Assert.Equal(1, c.GetRequiredService<JanusMetrics>().ClusterMessagesReceived);
        Assert.Equal(1, await onlyOnB.ReadMessageIdAsync());

        // The last local subscriber of a topic leaving (by disconnect or by unsubscribe) ends the node's interest.
        await onlyOnB.DisposeAsync();
        await b.WaitForChannelAsync("only-b", subscribed: false);
        Assert.Equal(0, await redis.SubscriberCountAsync(prefix + "t:only-b"));

        await sharedOnB.SendAsync("{\"action\":\"unsubscribe\",\"data\":\"shared\"}\0");
        await b.WaitForChannelAsync("shared", subscribed: false);
        Assert.Equal(1, await redis.SubscriberCountAsync(prefix + "t:shared"));
        Assert.Equal([prefix + "t:c-barrier", prefix + "t:shared"], await redis.ActiveChannelsAsync(prefix + "t:*"));
        Assert.Contains(0 + 2, await redis.SubscriptionCountsOfClientAsync("janus-node-b"));
        await sharedOnB.DisposeAsync();
    }

    [Fact]
    public async Task A_topic_that_comes_and_goes_repeatedly_ends_subscribed_exactly_when_it_has_subscribers()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);

        // Many connections join and leave the topic at once, so activations and deactivations race across threads.
        for (int round = 0; round < 5; round++)
        {
            RawTcpClient[] clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => b.SubscribeAsync("flicker")));
            await Task.WhenAll(clients.Select(client => client.DisposeAsync().AsTask()));
        }

        await using RawTcpClient stays = await b.SubscribeAsync("flicker");
        await b.WaitForChannelAsync("flicker", subscribed: true);
        await a.PublishAsync("flicker", 7);
        Assert.Equal(7, await stays.ReadMessageIdAsync());
        Assert.Equal(1, await redis.SubscriberCountAsync(prefix + "t:flicker"));
    }
}
