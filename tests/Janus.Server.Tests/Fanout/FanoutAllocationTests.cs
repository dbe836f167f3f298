using Janus.Server.Fanout;
using Janus.Server.Metrics;

namespace Janus.Server.Tests.Fanout;

/// <summary>
/// The hot-path rule as a test: what one publish allocates does not depend on how many subscribers it reaches.
/// (bench/Janus.Benchmarks prints the figures; this fails the build when the rule breaks.) Synchronous on purpose:
/// allocations are counted per thread.
/// </summary>
public sealed class FanoutAllocationTests
{
    private static ReadOnlySpan<byte> Body => "\"topic\":\"t\",\"event\":\"e\",\"message_id\":1,\"data\":{\"k\":\"v\"}}"u8;

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void A_publish_allocates_the_same_for_1_and_for_2000_subscribers(bool combining, bool history)
    {
        const int Many = 2000;
        long one = AllocatedPerPublish(1, combining, history);
        long many = AllocatedPerPublish(Many, combining, history);

        // Not one byte per subscriber. (Exact equality would be too strict: other tests' servers run an
        // OpenTelemetry listener on every meter named "Janus" in this process, ours included, and its recording
        // allocates now and then, per publish.) One object per subscriber would add tens of kilobytes here.
        Assert.True(many - one < Many, $"{one} bytes per publish to 1 subscriber, {many} to {Many}");

        // Without a listener that is the OutboundMessage object itself (88 bytes); its buffer comes from the pool.
        Assert.InRange(one, 1, 1024);
    }

    private static long AllocatedPerPublish(int subscribers, bool combining, bool history)
    {
        // With history, a ring smaller than the warm-up, so what is measured is its steady state: one message in, one
        // out (and back to the pool) per publish.
        var topics = history ? new TopicRegistry(new HistoryPolicy(8, TimeSpan.FromMinutes(5)), TimeProvider.System) : new TopicRegistry();
        using var metrics = new JanusMetrics(TimeProvider.System);
        var engine = new FanoutEngine(topics, TimeProvider.System, metrics);
        var sinks = new RecordingSink[subscribers];
        for (int i = 0; i < subscribers; i++)
        {
            var queue = new OutboundQueue(i + 1, 1024 * 1024);
            sinks[i] = new RecordingSink(queue);
            topics.Subscribe("t", queue);
        }

        // Warm up: queues grow their rings, the pool and the JIT settle.
        for (int round = 0; round < 20; round++)
        {
            PublishAndDrain(engine, sinks, combining);
        }

        const int Rounds = 50;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < Rounds; round++)
        {
            PublishAndDrain(engine, sinks, combining);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;
    }

    private static void PublishAndDrain(FanoutEngine engine, RecordingSink[] sinks, bool combining)
    {
        // No assertion in here: the assertion library allocates.
        FanoutCounts counts;
        if (combining)
        {
            engine.PublishAndForget("t", OutboundMessage.RentForBody(Body), TransportKind.Tcp);
            counts = new FanoutCounts(sinks.Length, sinks.Length, 0);
        }
        else
        {
            counts = engine.Publish("t", OutboundMessage.RentForBody(Body), TransportKind.Http);
        }

        int drained = 0;
        foreach (RecordingSink sink in sinks)
        {
            drained += sink.DrainAndRelease();
        }

        if (drained != sinks.Length || counts.Delivered != sinks.Length)
        {
            throw new InvalidOperationException($"{counts.Delivered} delivered, {drained} drained, {sinks.Length} subscribers.");
        }
    }
}
