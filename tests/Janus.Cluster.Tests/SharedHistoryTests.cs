using System.Net;
using System.Text.Json;
using Janus.Testing;

namespace Janus.Cluster.Tests;

/// <summary>
/// Positions and history of topics in Redis (docs/cluster.md, "Positions and history across nodes"): every node gives
/// a topic's messages the same offsets and epoch, and a client moving to another node subscribes from its last
/// position and gets exactly what it missed.
/// </summary>
public sealed class SharedHistoryTests
{
    // Large enough that nothing a test publishes leaves the history.
    private static readonly Dictionary<string, string?> BigHistory = new() { ["Janus:History:Size"] = "100000" };

    [Fact]
    public async Task A_topic_published_through_two_nodes_has_the_same_offsets_and_epoch_on_both()
    {
        const int Messages = 20;
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await using SessionClient onA = await SessionClient.ConnectAsync(a.TcpEndPoint!);
        await using SessionClient onB = await SessionClient.ConnectAsync(b.TcpEndPoint!);

        // The answer comes once the node receives the topic's channel, with Redis's position: the same on both.
        JsonElement answerA = await onA.SubscribeAsync("shared");
        JsonElement answerB = await onB.SubscribeAsync("shared");
        string epoch = answerA.GetProperty("epoch").GetString()!;
        Assert.Equal(0, answerA.GetProperty("offset").GetInt64());
        Assert.Equal(0, answerB.GetProperty("offset").GetInt64());
        Assert.Equal(epoch, answerB.GetProperty("epoch").GetString());

        for (int id = 1; id <= Messages; id++)
        {
            await (id % 2 == 0 ? a : b).PublishAsync("shared", id);
        }

        List<(int Id, long Offset, string Epoch)> seenA = await ReadDeliveriesAsync(onA, Messages);
        List<(int Id, long Offset, string Epoch)> seenB = await ReadDeliveriesAsync(onB, Messages);

        // One numbering for both nodes, in one order (Redis's), whichever node accepted each publish.
        Assert.Equal(seenA, seenB);
        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), seenA.Select(m => m.Offset));
        Assert.All(seenA, m => Assert.Equal(epoch, m.Epoch));
        Assert.Equal(Enumerable.Range(1, Messages), seenA.Select(m => m.Id).Order());
    }

    [Fact]
    public async Task A_subscribe_from_a_position_on_a_node_without_subscribers_recovers_from_Redis_with_no_gap_or_duplicate_while_publishing_goes_on()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix, settings: BigHistory);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix, settings: BigHistory);
        await using SessionClient onA = await SessionClient.ConnectAsync(a.TcpEndPoint!);
        await onA.SubscribeAsync("live");

        await using SequencePublisher publisher = await SequencePublisher.StartAsync(a.TcpEndPoint!, "live");
        (long Offset, string Epoch) position = default;
        int received = 0;
        while (received < 30)
        {
            if ((await onA.ReadAsync()) is { } message && message.TryGetProperty("message_id", out _))
            {
                received++;
                if (received == 10)
                {
                    position = onA.Positions["live"];
                }
            }
        }

        // Node B has never had a subscriber of the topic: what it knows comes from Redis, while publishing goes on.
        Assert.False(b.Cluster().IsChannelSubscribed("live"));
        await using SessionClient onB = await SessionClient.ConnectAsync(b.TcpEndPoint!);
        JsonElement answer = await onB.SubscribeAsync("live", position);
        Assert.True(answer.GetProperty("recovered").GetBoolean(), answer.ToString());
        Assert.Equal(position.Epoch, answer.GetProperty("epoch").GetString());

        List<(int Id, long Offset, string Epoch)> seen = await ReadDeliveriesAsync(onB, 100);
        int last = await publisher.StopAsync();
        await ReadDeliveriesUntilAsync(onB, last, seen);

        // Everything after the position, each once, in order, across the switch from the replay to live messages.
        Assert.Equal(Enumerable.Range(11, last - 10), seen.Select(m => m.Id));
        Assert.Equal(Enumerable.Range(0, seen.Count).Select(i => position.Offset + 1 + i), seen.Select(m => m.Offset));
        Assert.True(last - 10 > (int)(answer.GetProperty("offset").GetInt64() - position.Offset), "the test should see live messages after the replay");
    }

    [Fact]
    public async Task A_client_whose_node_is_killed_gets_every_message_once_and_in_order_on_another_node()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        var settings = new Dictionary<string, string>
        {
            ["Janus:Cluster:Redis"] = redis.ConnectionString + ",connectTimeout=1000",
            ["Janus:Cluster:NodeId"] = "node-a",
            ["Janus:Cluster:ChannelPrefix"] = prefix,
            ["Janus:History:Size"] = "100000",
            ["Janus:Tcp:Address"] = "127.0.0.1",
            ["Janus:Http:Address"] = "127.0.0.1",
        };
        await using JanusProcess a = await JanusProcess.StartAsync(settings);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix, settings: BigHistory);

        SessionClient client = await SessionClient.ConnectAsync(a.TcpEndPoint);
        await using (client)
        {
            Assert.Equal(0, (await client.SubscribeAsync("chaos")).GetProperty("offset").GetInt64());
            await using SequencePublisher publisher = await SequencePublisher.StartAsync(b.TcpEndPoint!, "chaos");
            var ids = new List<int>();
            foreach ((int id, _, _) in await ReadDeliveriesAsync(client, 30))
            {
                ids.Add(id);
            }

            // A crash: no graceful stop, the kernel resets the client's socket. Whatever was still in flight is read.
            await a.KillAsync();
            while (await client.ReadAsync() is { } late)
            {
                ids.Add(late.GetProperty("message_id").GetInt32());
            }

            // The session lived on the dead node: B does not know it. The client subscribes from its last position.
            JsonElement resumed = await client.ReconnectAndResumeAsync(b.TcpEndPoint);
            Assert.False(resumed.GetProperty("resumed").GetBoolean(), resumed.ToString());
            (long Offset, string Epoch) since = client.Positions["chaos"];
            JsonElement answer = await client.SubscribeAsync("chaos", since);
            Assert.True(answer.GetProperty("recovered").GetBoolean(), answer.ToString());

            // Publishing went on meanwhile: the replay from Redis is what the client missed.
            Assert.True(answer.GetProperty("offset").GetInt64() > since.Offset, answer.ToString());

            List<(int Id, long Offset, string Epoch)> after = await ReadDeliveriesAsync(client, 50);
            int last = await publisher.StopAsync();
            await ReadDeliveriesUntilAsync(client, last, after);
            ids.AddRange(after.Select(m => m.Id));

            Assert.Equal(Enumerable.Range(1, last), ids);
        }
    }

    [Fact]
    public async Task Subscribes_sent_back_to_back_are_answered_in_order_and_each_answer_comes_before_its_topic_s_messages()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await a.PublishAsync("first", 1);
        await a.PublishAsync("second", 2);
        await using SessionClient client = await SessionClient.ConnectAsync(b.TcpEndPoint!);

        // One read on the server: both subscribes wait on Redis at once, and are answered in the order sent.
        await client.Connection.SendAsync(
            "{\"action\":\"subscribe\",\"data\":\"first\",\"since\":{\"offset\":0,\"epoch\":\"x\"}}\0{\"action\":\"subscribe\",\"data\":\"second\"}\0");
        JsonElement first = (await client.ReadAsync())!.Value;
        JsonElement second = (await client.ReadAsync())!.Value;
        Assert.Equal("first", first.GetProperty("subscribed").GetString());
        Assert.Equal(1, first.GetProperty("offset").GetInt64());
        Assert.False(first.GetProperty("recovered").GetBoolean());
        Assert.Equal("second", second.GetProperty("subscribed").GetString());
        Assert.Equal(1, second.GetProperty("offset").GetInt64());

        await a.PublishAsync("second", 3);
        await a.PublishAsync("first", 4);
        List<(int Id, long Offset, string Epoch)> seen = await ReadDeliveriesAsync(client, 2);
        Assert.Equal([(3, 2L), (4, 2L)], seen.Select(m => (m.Id, m.Offset)).Order());
    }

    [Fact]
    public async Task While_Redis_is_down_a_node_numbers_its_publishes_in_an_epoch_of_its_own_and_a_position_in_it_is_not_recovered_elsewhere()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string prefix = ClusterNodes.NewPrefix();
        await using JanusTestServer a = await ClusterNodes.StartAsync(redis, "node-a", prefix);
        await using JanusTestServer b = await ClusterNodes.StartAsync(redis, "node-b", prefix);
        await using SessionClient onA = await SessionClient.ConnectAsync(a.TcpEndPoint!);
        string redisEpoch = (await onA.SubscribeAsync("outage")).GetProperty("epoch").GetString()!;
        await a.PublishAsync("outage", 1);
        Assert.Equal(redisEpoch, (await ReadDeliveriesAsync(onA, 1))[0].Epoch);

        await redis.KillAsync();
        await a.WaitForConnectionAsync(connected: false);
        await a.PublishAsync("outage", 2);
        await a.PublishAsync("outage", 3);
        List<(int Id, long Offset, string Epoch)> local = await ReadDeliveriesAsync(onA, 2);

        // Numbered here, 1 and 2 of a fresh epoch: the client cannot mistake them for Redis's offsets.
        Assert.Equal([(2, 1L), (3, 2L)], local.Select(m => (m.Id, m.Offset)));
        Assert.NotEqual(redisEpoch, local[0].Epoch);
        Assert.Equal(local[0].Epoch, local[1].Epoch);
        Assert.Equal(1, a.GetRequiredService<Janus.Server.Metrics.JanusMetrics>().ClusterLocalEpochs);

        // Redis is back (a fresh process): another node knows nothing of the local epoch, and says so.
        await redis.StartProcessAsync();
        await b.WaitForConnectionAsync(connected: true);
        await using SessionClient onB = await SessionClient.ConnectAsync(b.TcpEndPoint!);
        JsonElement answer = await onB.SubscribeAsync("outage", (local[1].Offset, local[1].Epoch));
        Assert.False(answer.GetProperty("recovered").GetBoolean(), answer.ToString());
    }

    private static async Task<List<(int Id, long Offset, string Epoch)>> ReadDeliveriesAsync(SessionClient client, int count)
    {
        var seen = new List<(int, long, string)>();
        while (seen.Count < count)
        {
            JsonElement message = await client.ReadAsync() ?? throw new IOException("connection closed");
            seen.Add((message.GetProperty("message_id").GetInt32(), message.GetProperty("offset").GetInt64(), message.GetProperty("epoch").GetString()!));
        }

        return seen;
    }

    /// <summary>Reads deliveries into <paramref name="seen"/> until the one with <paramref name="lastId"/> is in.</summary>
    private static async Task ReadDeliveriesUntilAsync(SessionClient client, int lastId, List<(int Id, long Offset, string Epoch)> seen)
    {
        while (seen.Count == 0 || seen[^1].Id < lastId)
        {
            JsonElement message = await client.ReadAsync() ?? throw new IOException("connection closed");
            seen.Add((message.GetProperty("message_id").GetInt32(), message.GetProperty("offset").GetInt64(), message.GetProperty("epoch").GetString()!));
        }
    }

    /// <summary>
    /// Publishes 1, 2, 3, … on one connection until stopped, about one per millisecond (a rate, so that the messages a
    /// test's client misses stay within its queue's bound), at most <see cref="MaxMessages"/>.
    /// </summary>
    private sealed class SequencePublisher : IAsyncDisposable
    {
        private const int MaxMessages = 20_000;
        private readonly CancellationTokenSource _stop = new();
        private readonly RawTcpClient _connection;
        private readonly string _topic;
        private Task _run = Task.CompletedTask;
        private int _last;

        private SequencePublisher(RawTcpClient connection, string topic)
        {
            _connection = connection;
            _topic = topic;
        }

        public static async Task<SequencePublisher> StartAsync(IPEndPoint endPoint, string topic)
        {
            RawTcpClient connection = await RawTcpClient.ConnectAsync(endPoint);
            await connection.ReadMessageAsync();
            var publisher = new SequencePublisher(connection, topic);
            publisher._run = Task.Run(publisher.RunAsync);
            return publisher;
        }

        /// <summary>Stops and returns the last message id sent.</summary>
        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            await _run;
            return Volatile.Read(ref _last);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await _connection.DisposeAsync();
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            for (int id = 1; id <= MaxMessages && !_stop.IsCancellationRequested; id++)
            {
                await _connection.SendAsync("{\"action\":\"publish\",\"topic\":\"" + _topic + "\",\"event\":\"n\",\"message_id\":" + id + ",\"data\":" + id + "}\0");
                Volatile.Write(ref _last, id);
                try
                {
                    await Task.Delay(1, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
