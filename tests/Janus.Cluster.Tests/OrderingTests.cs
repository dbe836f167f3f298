using System.Text;
using Janus.Testing;

namespace Janus.Cluster.Tests;

public sealed class OrderingTests
{
    private const int Messages = 1000;

    [Fact]
    public async Task Messages_from_one_publisher_arrive_in_order_at_every_subscriber_on_every_node()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await using JanusTestServer c = await ClusterNodes.StartAsync(redis, "node-c", prefix);

        var subscribers = new List<RawTcpClient> { await a.SubscribeAsync("seq") };
        foreach (JanusTestServer node in new[] { b, c })
        {
            for (int i = 0; i < 4; i++)
            {
                subscribers.Add(await node.SubscribeAsync("seq"));
            }

            await node.WaitForChannelAsync("seq", subscribed: true);
        }

        try
        {
            // One connection publishing back to back, the frames batched into a few large writes.
            await using RawTcpClient publisher = await a.ConnectTcpAsync();
            var batch = new StringBuilder();
            for (int id = 0; id < Messages; id++)
            {
                batch.Append("{\"action\":\"publish\",\"topic\":\"seq\",\"event\":\"n\",\"message_id\":").Append(id).Append(",\"data\":").Append(id).Append("}\0");
                if (batch.Length > 16 * 1024 || id == Messages - 1)
                {
                    await publisher.SendAsync(batch.ToString());
                    batch.Clear();
                }
            }

            await Task.WhenAll(subscribers.Select(async subscriber =>
            {
                for (int expected = 0; expected < Messages; expected++)
                {
                    Assert.Equal(expected, await subscriber.ReadMessageIdAsync());
                }
            }));
        }
        finally
        {
            foreach (RawTcpClient subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Concurrent_publishers_on_one_node_are_seen_in_the_same_order_by_every_subscriber_on_every_node()
    {
        const int Publishers = 4;
        const int PerPublisher = 250;
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await using JanusTestServer c = await ClusterNodes.StartAsync(redis, "node-c", prefix);

        await using RawTcpClient onA = await a.SubscribeAsync("race");
        await using RawTcpClient onB = await b.SubscribeAsync("race");
        await using RawTcpClient onC = await c.SubscribeAsync("race");
        await b.WaitForChannelAsync("race", subscribed: true);
        await c.WaitForChannelAsync("race", subscribed: true);

        // Several connections publish to one topic at once: their relative order is up to the node, but it must be
        // one order, the same for A's own subscriber and for those on B and C.
        RawTcpClient[] publishers = await Task.WhenAll(Enumerable.Range(0, Publishers).Select(_ => a.ConnectTcpAsync()));
        try
        {
            await Task.WhenAll(publishers.Select(async (publisher, p) =>
            {
                for (int n = 0; n < PerPublisher; n++)
                {
                    int id = (p * 100_000) + n;
                    await publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"race\",\"event\":\"n\",\"message_id\":" + id + ",\"data\":null}\0");
                }
            }));

            int[][] seen = await Task.WhenAll(new[] { onA, onB, onC }.Select(async subscriber =>
            {
                int[] ids = new int[Publishers * PerPublisher];
                for (int i = 0; i < ids.Length; i++)
                {
                    ids[i] = await subscriber.ReadMessageIdAsync();
                }

                return ids;
            }));

            Assert.Equal(seen[0], seen[1]);
            Assert.Equal(seen[0], seen[2]);
            int[] next = new int[Publishers];
            foreach (int id in seen[0])
            {
                int p = id / 100_000;
                Assert.Equal(next[p]++, id % 100_000);
            }
        }
        finally
        {
            foreach (RawTcpClient publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
    }
}
