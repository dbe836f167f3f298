using Janus.Server.Cluster;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Janus.Cluster.Tests;

/// <summary>
/// The queue of pending interest changes while Redis is slow or down. Before, every anonymous subscribe to a new topic
/// queued one hint in an unbounded channel, however long the worker was stuck on Redis. Now hints are a set of topic
/// names with a bound; past it, one resync (which asks the registry what is true for every topic) replaces them.
/// </summary>
public sealed class TopicInterestBoundTests
{
    [Fact]
    public void Hints_past_the_bound_are_dropped_for_one_resync_and_counted_once()
    {
        using var metrics = new JanusMetrics(TimeProvider.System);

        // No worker runs (Start is not called): this is the state while it is stuck on a Redis that does not answer.
        var interest = new TopicInterest(null!, new TopicRegistry(), metrics, NullLogger.Instance) { MaxPendingTopics = 16 };
        for (int i = 0; i < 10_000; i++)
        {
            interest.OnTopicChanged("topic-" + i);
        }

        Assert.Equal(16, interest.PendingTopics);
        Assert.Equal(1, metrics.ClusterInterestOverflows);

        // A topic already pending is one entry however often it changes.
        for (int i = 0; i < 1000; i++)
        {
            interest.OnTopicChanged("topic-3");
        }

        Assert.Equal(16, interest.PendingTopics);
        Assert.Equal(1, metrics.ClusterInterestOverflows);
    }

    [Fact]
    public async Task Topics_subscribed_while_Redis_is_down_past_the_bound_all_get_their_channel_when_Redis_comes_up()
    {
        await using RedisServer redis = RedisServer.Reserve();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        TopicInterest interest = a.Cluster().Interest;
        interest.MaxPendingTopics = 8;

        await using RawTcpClient client = await a.ConnectTcpAsync();
        for (int i = 0; i < 100; i++)
        {
            await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"many-" + i + "\"}\0");
            Assert.Equal("ACK", await client.ReadMessageAsync());
            Assert.InRange(interest.PendingTopics, 0, 8);
        }

        await redis.StartProcessAsync();
        await a.WaitForConnectionAsync(connected: true);
        for (int i = 0; i < 100; i++)
        {
            await a.WaitForChannelAsync("many-" + i, subscribed: true);
        }

        Assert.Equal(100, (await redis.ActiveChannelsAsync(prefix + "t:many-*")).Count);
    }
}
