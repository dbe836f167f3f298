using System.Text.Json;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class OrderingTests
{
    private const int Publishers = 8;
    private const int Subscribers = 50;
    private const int MessagesPerPublisher = 100;

    [Fact]
    public async Task Many_publishers_to_many_subscribers_at_once_keep_every_publishers_order_for_every_subscriber()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var subscribers = new RawTcpClient[Subscribers];
        var publishers = new RawTcpClient[Publishers];
        try
        {
            for (int s = 0; s < Subscribers; s++)
            {
                subscribers[s] = await server.ConnectTcpAsync();
                await subscribers[s].SubscribeAsync("order");
            }

            for (int p = 0; p < Publishers; p++)
            {
                publishers[p] = await server.ConnectTcpAsync();
            }

            // Everyone starts reading, then every publisher sends its sequence at the same time, one write per publish.
            Task<(int Publisher, int Sequence)[]>[] reads = [.. subscribers.Select(ReadAllAsync)];
            await Task.WhenAll(publishers.Select((publisher, p) => Task.Run(() => PublishSequenceAsync(publisher, p))));
            (int Publisher, int Sequence)[][] seen = await Task.WhenAll(reads);

            for (int s = 0; s < Subscribers; s++)
            {
                int[] next = new int[Publishers];
                foreach ((int publisher, int sequence) in seen[s])
                {
                    Assert.True(next[publisher] == sequence, $"subscriber {s} got publisher {publisher}'s message {sequence} when {next[publisher]} was due");
                    next[publisher]++;
                }

                Assert.All(next, count => Assert.Equal(MessagesPerPublisher, count));

                // One publish lock per topic: every subscriber sees the very same interleaving.
                Assert.Equal(seen[0], seen[s]);
            }

            JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
            Assert.Equal(Publishers * MessagesPerPublisher, metrics.Publishes(TransportKind.Tcp));
            Assert.Equal(Publishers * MessagesPerPublisher * Subscribers, metrics.Deliveries);
            Assert.Equal(0, metrics.SlowConsumers);
        }
        finally
        {
            foreach (RawTcpClient? client in subscribers.Concat(publishers))
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }
            }
        }
    }

    private static async Task PublishSequenceAsync(RawTcpClient publisher, int p)
    {
        for (int sequence = 0; sequence < MessagesPerPublisher; sequence++)
        {
            await publisher.SendAsync(Frames.PublishCommand("order", (p * MessagesPerPublisher) + sequence, "{\"p\":" + p + ",\"seq\":" + sequence + "}"));
        }
    }

    private static async Task<(int Publisher, int Sequence)[]> ReadAllAsync(RawTcpClient subscriber)
    {
        var seen = new (int, int)[Publishers * MessagesPerPublisher];
        for (int i = 0; i < seen.Length; i++)
        {
            using JsonDocument data = JsonDocument.Parse((await subscriber.ReadDeliveryAsync()).Data);
            seen[i] = (data.RootElement.GetProperty("p").GetInt32(), data.RootElement.GetProperty("seq").GetInt32());
        }

        return seen;
    }
}
