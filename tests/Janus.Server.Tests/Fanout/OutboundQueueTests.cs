using Janus.Server.Fanout;

namespace Janus.Server.Tests.Fanout;

public sealed class OutboundQueueTests
{
    [Fact]
    public void An_ACK_leaves_in_a_write_of_its_own()
    {
        var queue = new OutboundQueue(1, 1024 * 1024);
        var sink = new RecordingSink(queue);
        OutboundMessage before = Payload("before");
        OutboundMessage after = Payload("after");

        queue.TryEnqueue(before);
        queue.TryEnqueue(OutboundMessage.Ack);
        queue.TryEnqueue(after);
        queue.TryEnqueue(OutboundMessage.Ack);
        queue.TryEnqueue(OutboundMessage.Ack);

        List<OutboundMessage[]> writes = sink.Drain();

        Assert.Equal([[before], [OutboundMessage.Ack], [after], [OutboundMessage.Ack], [OutboundMessage.Ack]], writes);
        Assert.Equal(1, sink.Wakeups);
    }

    [Fact]
    public void Everything_queued_since_the_last_write_leaves_in_one_write()
    {
        var queue = new OutboundQueue(1, 1024 * 1024);
        var sink = new RecordingSink(queue);
        OutboundMessage[] messages = [.. Enumerable.Range(0, 10).Select(i => Payload("m" + i))];

        foreach (OutboundMessage message in messages)
        {
            Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(message));
        }

        Assert.Equal([messages], sink.Drain());
        Assert.Equal(1, sink.Wakeups);
    }

    [Fact]
    public void A_write_is_capped_in_bytes()
    {
        var queue = new OutboundQueue(1, 1024 * 1024);
        var sink = new RecordingSink(queue);
        OutboundMessage big = Payload(new string('x', 600));
        for (int i = 0; i < 5; i++)
        {
            queue.TryEnqueue(big);
        }

        List<OutboundMessage[]> writes = sink.Drain(maxBytes: 1300);

        Assert.Equal([2, 2, 1], writes.Select(w => w.Length));
    }

    [Fact]
    public void The_message_that_would_pass_the_bound_overflows_the_queue_and_everything_queued_is_dropped()
    {
        OutboundMessage message = Payload(new string('x', 99));
        var queue = new OutboundQueue(1, limitBytes: message.Size * 3);
        var sink = new RecordingSink(queue);

        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(message));
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(message));
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(message));
        Assert.Equal(message.Size * 3, queue.QueuedBytes);
        Assert.Equal(EnqueueResult.Overflowed, queue.TryEnqueue(message));

        Assert.Equal(0, queue.QueuedBytes);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.IsOpen);
        Assert.Equal(1, sink.Overflows);
        Assert.Equal(EnqueueResult.Rejected, queue.TryEnqueue(message));
        Assert.Equal(1, sink.Overflows);
    }

    [Fact]
    public void A_pooled_message_goes_back_when_the_last_queue_lets_go()
    {
        var topics = new TopicRegistry();
        var engine = new FanoutEngine(topics, TimeProvider.System, new Janus.Server.Metrics.JanusMetrics(TimeProvider.System));
        var queues = new OutboundQueue[3];
        var sinks = new RecordingSink[3];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = new OutboundQueue(i + 1, 1024 * 1024);
            sinks[i] = new RecordingSink(queues[i]);
            topics.Subscribe("t", queues[i]);
        }

        OutboundMessage message = OutboundMessage.RentForBody("\"topic\":\"t\",\"event\":null,\"message_id\":null,\"data\":null}"u8);
        Assert.Equal(new FanoutCounts(3, 3, 0), engine.Publish("t", message, TransportKind.Http));

        // Each queue holds one reference; the message stays readable until the last is released.
        List<OutboundMessage[]> first = sinks[0].Drain();
        first[0][0].Release();
        sinks[1].DrainAndRelease();
        Assert.StartsWith("{\"timestamp\":[", System.Text.Encoding.UTF8.GetString(message.Json), StringComparison.Ordinal);
        sinks[2].DrainAndRelease();
        Assert.Throws<InvalidOperationException>(message.Release);
    }

    [Fact]
    public void Messages_inserted_at_a_hold_go_ahead_of_what_was_queued_during_it_and_the_first_of_two_inserts_may_leave_before_the_second()
    {
        var queue = new OutboundQueue(1, 1024 * 1024);
        var sink = new RecordingSink(queue);
        OutboundMessage before = Payload("before"), live1 = Payload("live1"), live2 = Payload("live2");
        OutboundMessage answer1 = Payload("answer1"), replay1 = Payload("replay1"), answer2 = Payload("answer2");

        queue.TryEnqueue(before);
        Assert.True(queue.TryBeginHold());
        queue.TryEnqueue(live1);

        // A second asynchronous subscribe of the session keeps the first one's hold.
        Assert.False(queue.TryBeginHold());
        queue.TryEnqueue(live2);

        // While held, only what was queued before the hold leaves.
        Assert.Equal([[before]], sink.Drain());

        // The first subscribe's answer and replay may leave; what was queued during the hold still waits.
        queue.InsertAtHold([answer1, replay1], release: false);
        Assert.Equal([answer1, replay1], sink.Drain().SelectMany(w => w));
        queue.InsertAtHold([answer2], release: true);

        Assert.Equal([answer2, live1, live2], sink.Drain().SelectMany(w => w));
    }

    [Fact]
    public void An_insert_at_a_hold_past_the_bound_overflows_the_queue()
    {
        OutboundMessage message = Payload("0123456789");
        var queue = new OutboundQueue(1, limitBytes: message.Size * 2);
        var sink = new RecordingSink(queue);
        Assert.True(queue.TryBeginHold());
        queue.TryEnqueue(message);

        queue.InsertAtHold([message, message], release: true);

        Assert.Equal(1, sink.Overflows);
        Assert.False(queue.IsOpen);
    }

    private static OutboundMessage Payload(string text) => OutboundMessage.FromPayload(System.Text.Encoding.UTF8.GetBytes(text));
}
