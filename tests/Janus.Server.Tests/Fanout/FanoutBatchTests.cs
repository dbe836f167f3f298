using Janus.Server.Fanout;

namespace Janus.Server.Tests.Fanout;

public sealed class FanoutBatchTests
{
    [Fact]
    public void A_reads_scope_drains_its_own_one_or_two_replies_inline_and_hands_more_to_the_senders()
    {
        var few = Sinks(FanoutBatch.MaxInlineDrains);
        using (FanoutBatch.Begin())
        {
            NotifyAll(few);
            Assert.All(few, s => Assert.Equal((0, 0), (s.Inline, s.Scheduled)));
        }

        Assert.All(few, s => Assert.Equal((1, 0), (s.Inline, s.Scheduled)));

        var many = Sinks(FanoutBatch.MaxInlineDrains + 1);
        using (FanoutBatch.Begin())
        {
            NotifyAll(many);
        }

        Assert.All(many, s => Assert.Equal((0, 1), (s.Inline, s.Scheduled)));
    }

    [Fact]
    public void An_event_loop_pass_defers_every_nested_reads_notifications_to_its_end_and_sets_its_own_inline_limit()
    {
        var replies = Sinks(10);
        using (FanoutBatch.BeginEventLoopPass(maxInlineDrains: 16))
        {
            // Two reads in one pass, each in its own scope: nothing goes out when they close.
            using (FanoutBatch.Begin())
            {
                NotifyAll(replies[..5]);
            }

            using (FanoutBatch.Begin())
            {
                NotifyAll(replies[5..]);
            }

            Assert.All(replies, s => Assert.Equal((0, 0), (s.Inline, s.Scheduled)));
            Assert.False(FanoutBatch.HoldsPublishes);
        }

        // Ten are within the pass's limit of sixteen (a read's own limit is two): all drained here.
        Assert.All(replies, s => Assert.Equal((1, 0), (s.Inline, s.Scheduled)));
        Assert.False(FanoutBatch.IsActive);
    }

    [Fact]
    public void A_pass_knows_it_holds_publishes_until_their_notifications_go_out_and_flushes_at_its_byte_bound()
    {
        var subscribers = Sinks(20);
        using (FanoutBatch.BeginEventLoopPass(maxInlineDrains: 4))
        {
            NotifyAll(subscribers);
            FanoutBatch.Published(100);
            Assert.True(FanoutBatch.HoldsPublishes);
            Assert.All(subscribers, s => Assert.Equal((0, 0), (s.Inline, s.Scheduled)));

            // The bound sends what waits, early, and the pass starts counting again.
            FanoutBatch.Published(FanoutBatch.MaxDeferredBytes);
            Assert.False(FanoutBatch.HoldsPublishes);
            Assert.All(subscribers, s => Assert.Equal((0, 1), (s.Inline, s.Scheduled)));
        }

        Assert.All(subscribers, s => Assert.Equal((0, 1), (s.Inline, s.Scheduled)));
    }

    private static CountingSink[] Sinks(int count)
    {
        var sinks = new CountingSink[count];
        for (int i = 0; i < count; i++)
        {
            sinks[i] = new CountingSink();
        }

        return sinks;
    }

    private static void NotifyAll(CountingSink[] sinks)
    {
        foreach (CountingSink sink in sinks)
        {
            FanoutBatch.Notify(sink);
        }
    }

    private sealed class CountingSink : IOutboundSink
    {
        public int Inline { get; private set; }

        public int Scheduled { get; private set; }

        public void OnDataAvailable() => Scheduled++;

        public void DrainInline() => Inline++;

        public void OnOverflow()
        {
        }
    }
}
