using Janus.Server.Fanout;
using Janus.Server.Metrics;
using static Janus.Server.Tests.Fanout.CombiningLoad;

namespace Janus.Server.Tests.Fanout;

/// <summary>Flat combining: publishes to one topic that meet are fanned out together, in one order for everyone.</summary>
public sealed class FanoutCombiningTests
{
    [Fact]
    public void The_first_pending_publish_makes_a_combiner_later_ones_join_it_and_an_empty_take_ends_its_turn()
    {
        var topics = new TopicRegistry();
        topics.Subscribe("t", new OutboundQueue(1, 4096));
        Assert.True(topics.TryGet("t", out Topic? topic));
        OutboundMessage a = Message("a"), b = Message("b"), c = Message("c");

        Assert.True(topic.AddPending(new PendingPublish(a, TransportKind.Tcp, null)));
        Assert.False(topic.AddPending(new PendingPublish(b, TransportKind.Tcp, null)));

        PendingPublish[] batch = new PendingPublish[1];
        Assert.Equal(2, topic.TakePending(ref batch));
        Assert.Same(a, batch[0].Message);
        Assert.Same(b, batch[1].Message);

        // Still the combiner until a take comes back empty: a publish now joins instead of starting a second combiner.
        Assert.False(topic.AddPending(new PendingPublish(c, TransportKind.Tcp, null)));
        Assert.Equal(1, topic.TakePending(ref batch));
        Assert.Equal(0, topic.TakePending(ref batch));
        Assert.True(topic.AddPending(new PendingPublish(c, TransportKind.Tcp, null)));
    }

    [Fact]
    public void Concurrent_publishers_reach_every_subscriber_completely_in_one_order_keeping_each_publishers_order()
    {
        const int Publishers = 8, PerPublisher = 300, Subscribers = 40;
        var topics = new TopicRegistry();
        using var metrics = new JanusMetrics(TimeProvider.System);
        var engine = new FanoutEngine(topics, TimeProvider.System, metrics);
        RecordingSink[] sinks = CombiningLoad.Subscribe(topics, "t", Subscribers);
        CombiningLoad.PublishConcurrently(engine, Publishers, PerPublisher);

        string[]? first = null;
        foreach (RecordingSink sink in sinks)
        {
            string[] received = sink.Drain().SelectMany(write => write).Select(DataOf).ToArray();
            Assert.Equal(Publishers * PerPublisher, received.Length);
            first ??= received;
            Assert.Equal(first, received);
        }

        int[] next = new int[Publishers];
        foreach (string data in first!)
        {
            string[] parts = data.Split(':');
            int publisher = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(next[publisher]++, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(Publishers * PerPublisher, metrics.Publishes(TransportKind.Tcp));
        Assert.Equal(Publishers * PerPublisher * Subscribers, metrics.Deliveries);
    }

    [Fact]
    public void A_combined_batch_that_would_pass_a_queues_bound_cuts_only_that_subscriber()
    {
        var topics = new TopicRegistry();
        using var metrics = new JanusMetrics(TimeProvider.System);
        var engine = new FanoutEngine(topics, TimeProvider.System, metrics);
        var roomy = new RecordingSink(Subscribe(topics, 1, 1024 * 1024));
        var tight = new RecordingSink(Subscribe(topics, 2, 4096));

        // One combiner fans out everything queued behind it at once: hold the turn open, queue 100 messages, run it.
        Assert.True(topics.TryGet("t", out Topic? topic));
        Assert.True(topic.AddPending(new PendingPublish(Message("first"), TransportKind.Tcp, null)));
        for (int i = 0; i < 100; i++)
        {
            Assert.False(topic.AddPending(new PendingPublish(Message(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), TransportKind.Tcp, null)));
        }

        Assert.False(topic.AddPending(new PendingPublish(Message("last"), TransportKind.Tcp, null)));
        engine.RunCombiner(topic);

        Assert.Equal(102, roomy.Drain().Sum(write => write.Length));
        Assert.Equal(1, tight.Overflows);
        Assert.Empty(tight.Drain());
    }

    private static OutboundQueue Subscribe(TopicRegistry topics, long id, long limit)
    {
        var queue = new OutboundQueue(id, limit);
        topics.Subscribe("t", queue);
        return queue;
    }

}
