using BenchmarkDotNet.Attributes;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;

namespace Janus.Benchmarks;

/// <summary>
/// One publish fanned out to N subscribers of one topic, then every subscriber's queue drained in memory. The
/// allocated bytes per operation must not depend on N: that is the "no allocation per subscriber" rule.
/// </summary>
[MemoryDiagnoser]
public class FanoutBenchmarks
{
    private const string TopicName = "bench";

    private FanoutEngine _engine = null!;
    private ReadyList _ready = null!;
    private byte[] _body = [];

    [Params(1, 100, 1_000, 10_000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var topics = new TopicRegistry();
        _engine = new FanoutEngine(topics, TimeProvider.System, new JanusMetrics(TimeProvider.System));
        _ready = new ReadyList(Subscribers);
        var batch = new OutboundMessage?[64];
        for (int i = 0; i < Subscribers; i++)
        {
            var queue = new OutboundQueue(i + 1, 1024 * 1024);
            queue.Attach(new InMemorySink(queue, _ready, batch));
            topics.Subscribe(TopicName, queue);
        }

        // A typical small event, encoded once as the publisher would have it.
        byte[] body = new byte[512];
        int length = DeliveryEncoder.WriteBody(body, "\"bench\""u8, "\"price\""u8, "12345"u8, "{\"symbol\":\"ACME\",\"bid\":101.25,\"ask\":101.5}"u8);
        _body = body[..length];
    }

    [Benchmark]
    public int PublishAndDrain()
    {
        OutboundMessage message = OutboundMessage.RentForBody(_body);
        FanoutCounts counts = _engine.Publish(TopicName, message, TransportKind.Http);
        if (_ready.DrainAll() != counts.Delivered)
        {
            throw new InvalidOperationException("Every subscriber should have had exactly one message to drain.");
        }

        return counts.Delivered;
    }
}
