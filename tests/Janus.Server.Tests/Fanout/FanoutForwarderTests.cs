using System.Text;
using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using static Janus.Server.Tests.Fanout.CombiningLoad;

namespace Janus.Server.Tests.Fanout;

/// <summary>
/// The engine's forwarding seam (what a clustered node plugs in): every publish accepted here is offered once, under
/// the topic's publish lock and in the local fan-out order, on the combining path too; a handed-off one is fanned out
/// only when it comes back positioned.
/// </summary>
public sealed class FanoutForwarderTests
{
    [Fact]
    public void Concurrent_combined_publishes_are_forwarded_under_the_topic_lock_in_the_order_every_subscriber_gets_them()
    {
        const int Publishers = 8, PerPublisher = 300, Subscribers = 20;
        var topics = new TopicRegistry();
        using var metrics = new JanusMetrics(TimeProvider.System);
        var engine = new FanoutEngine(topics, TimeProvider.System, metrics);
        var forwarder = new RecordingForwarder(handOff: false);
        engine.AttachForwarder(forwarder);
        RecordingSink[] sinks = CombiningLoad.Subscribe(topics, "t", Subscribers);
        CombiningLoad.PublishConcurrently(engine, Publishers, PerPublisher);

        Assert.Equal(0, forwarder.ForwardedWithoutLock);
        Assert.Equal(Publishers * PerPublisher, forwarder.HandOffsOffered);
        string[] forwarded = [.. forwarder.Forwarded];
        Assert.Equal(Publishers * PerPublisher, forwarded.Length);
        foreach (RecordingSink sink in sinks)
        {
            Assert.Equal(forwarded, sink.Drain().SelectMany(write => write).Select(DataOf).ToArray());
        }

        // A publish that came from another node (it carries its origin's timestamp) is never forwarded again.
        engine.PublishAndForget("t", Message("from-elsewhere"), TransportKind.Cluster, new ErlangTimestamp(1, 2, 3));
        engine.Publish("t", Message("from-elsewhere-too"), TransportKind.Cluster, new ErlangTimestamp(1, 2, 3));
        Assert.Equal(Publishers * PerPublisher, forwarder.Forwarded.Count);
        Assert.Equal(Publishers * PerPublisher, forwarder.HandOffsOffered);
    }

    [Fact]
    public void A_handed_off_publish_is_stamped_and_counted_now_and_fanned_out_when_it_comes_back_positioned_in_batches()
    {
        var topics = new TopicRegistry(new HistoryPolicy(10, TimeSpan.FromMinutes(1)), TimeProvider.System);
        using var metrics = new JanusMetrics(TimeProvider.System);
        var engine = new FanoutEngine(topics, TimeProvider.System, metrics);
        var forwarder = new RecordingForwarder(handOff: true);
        engine.AttachForwarder(forwarder);
        var queue = new OutboundQueue(1, 1024 * 1024);
        var sink = new RecordingSink(queue);
        topics.Subscribe("t", queue);

        OutboundMessage http = Message("a");
        http.AddReferences(1);
        FanoutCounts counts = engine.Publish("t", http, TransportKind.Http);
        Assert.NotEqual(default, http.Timestamp);
        http.Release();
        engine.PublishAndForget("t", Message("b"), TransportKind.Tcp);
        Assert.Equal(1, counts.Subscribers);
        Assert.Empty(sink.Drain());
        Assert.Empty(forwarder.Forwarded);
        Assert.Equal(2, forwarder.HandOffsOffered);
        Assert.Equal(1, metrics.Publishes(TransportKind.Http));
        Assert.Equal(1, metrics.Publishes(TransportKind.Tcp));

        // They come back in the numbering authority's order, one batch: a duplicate offset is dropped.
        var stamp = new ErlangTimestamp(1, 2, 3);
        PositionedPublish[] batch =
        [
            new(Message("a"), null, stamp, 1, "e1"),
            new(Message("b"), null, stamp, 2, "e1"),
            new(Message("b-again"), null, stamp, 2, "e1"),
            new(Message("c"), TransportKind.Cluster, stamp, 3, "e1"),
        ];
        engine.PublishAt("t", batch);

        Assert.All(batch, publish => Assert.Null(publish.Message));
        Assert.Equal(["a", "b", "c"], sink.Drain().SelectMany(write => write).Select(DataOf).ToArray());
        Assert.Equal(3, metrics.Deliveries);
        Assert.Equal(1, metrics.Publishes(TransportKind.Cluster));
        Assert.True(topics.TryGet("t", out Topic? topic));
        Assert.Equal("e1", topic.Epoch);
    }


    private static string DataOfBody(ReadOnlySpan<byte> body)
    {
        using JsonDocument json = JsonDocument.Parse("{" + Encoding.UTF8.GetString(body));
        return json.RootElement.GetProperty("data").GetString()!;
    }

    private sealed class RecordingForwarder(bool handOff) : IPublishForwarder
    {
        private int _handOffsOffered;
        private int _forwardedWithoutLock;

        public List<string> Forwarded { get; } = [];

        public int HandOffsOffered => Volatile.Read(ref _handOffsOffered);

        public int ForwardedWithoutLock => Volatile.Read(ref _forwardedWithoutLock);

        public bool TryHandOff(ReadOnlySpan<char> topic, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
        {
            Interlocked.Increment(ref _handOffsOffered);
            return handOff;
        }

        public void Forward(ReadOnlySpan<char> topic, Topic? local, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
        {
            if (local is null || !local.PublishLock.IsHeldByCurrentThread)
            {
                Interlocked.Increment(ref _forwardedWithoutLock);
                return;
            }

            // Serialised by the topic's lock, which the engine holds.
            Forwarded.Add(DataOfBody(body));
        }
    }
}
