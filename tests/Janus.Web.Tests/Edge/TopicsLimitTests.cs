using System.Net;
using System.Text.Json;
using Janus.Server.Api;
using Janus.Server.Fanout;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Web.Tests.Edge;

/// <summary><c>GET /api/topics</c> keeps only the best <c>limit</c> topics while walking the registry, in the documented order.</summary>
public sealed class TopicsLimitTests
{
    [Fact]
    public async Task The_top_topics_come_in_the_documented_order_for_every_limit()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        TopicRegistry registry = server.GetRequiredService<TopicRegistry>();
        var expected = new List<(string Topic, int Subscribers)>();
        var random = new Random(12);
        for (int i = 0; i < 300; i++)
        {
            string topic = "topic-" + random.Next(1_000_000).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            if (expected.Any(e => e.Topic == topic))
            {
                continue;
            }

            int subscribers = random.Next(1, 6);
            for (int s = 0; s < subscribers; s++)
            {
                registry.Subscribe(topic, new OutboundQueue(i * 10 + s, 1 << 20));
            }

            expected.Add((topic, subscribers));
        }

        expected.Sort((a, b) => a.Subscribers != b.Subscribers ? b.Subscribers.CompareTo(a.Subscribers) : string.CompareOrdinal(a.Topic, b.Topic));
        foreach (int limit in new[] { 0, 1, 2, 7, 150, 299, 300, 1000 })
        {
            JsonElement answer = await GetTopicsAsync(server, limit);
            Assert.Equal(expected.Count, answer.GetProperty("total").GetInt32());
            Assert.Equal(expected.Sum(e => e.Subscribers), answer.GetProperty("subscriptions").GetInt64());
            Assert.Equal(
                expected.Take(limit),
                answer.GetProperty("topics").EnumerateArray().Select(t => (t.GetProperty("topic").GetString()!, t.GetProperty("subscribers").GetInt32())));
        }
    }

    [Fact]
    public async Task A_limit_over_the_cap_is_refused()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_query"), await EdgeHttp.GetAsync(server, "/api/topics?limit=10001"));
        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, "/api/topics?limit=10000")).Status);
    }

    [Fact]
    public async Task With_100000_topics_repeated_requests_walk_the_registry_once()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        TopicRegistry registry = server.GetRequiredService<TopicRegistry>();
        var queue = new OutboundQueue(1, 1 << 20);
        for (int i = 0; i < 100_000; i++)
        {
            registry.Subscribe("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), queue);
        }

        registry.Subscribe("t99999", new OutboundQueue(2, 1 << 20));
        TopicsEndpoint endpoint = server.GetRequiredService<TopicsEndpoint>();
        long before = endpoint.Walks;

        // The row: 20 requests with limit=1 cost 0.13 s of CPU each, every topic copied and sorted each time.
        // Now the first walks once (keeping the best 1,000 in a heap) and the rest answer from that walk.
        for (int i = 0; i < 20; i++)
        {
            JsonElement answer = await GetTopicsAsync(server, i % 2 == 0 ? 1 : 1000);
            Assert.Equal("t99999", answer.GetProperty("topics")[0].GetProperty("topic").GetString());
            Assert.Equal(100_000, answer.GetProperty("total").GetInt32());
        }

        Assert.Equal(before + 1, endpoint.Walks);
    }

    [Fact]
    public async Task While_subscriptions_change_an_answer_is_at_most_250_ms_old()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(time));
        TopicsEndpoint endpoint = server.GetRequiredService<TopicsEndpoint>();
        await using RawTcpClient client = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);
        await client.ReadMessageAsync();
        await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"first\"}\0");
        Assert.Equal("ACK", await client.ReadMessageAsync());
        Assert.Equal(1, (await GetTopicsAsync(server, 10)).GetProperty("total").GetInt32());
        long walks = endpoint.Walks;

        // A subscription changed, but the last walk is younger than 250 ms: the kept answer, no new walk.
        await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"second\"}\0");
        Assert.Equal("ACK", await client.ReadMessageAsync());
        Assert.Equal(1, (await GetTopicsAsync(server, 10)).GetProperty("total").GetInt32());
        Assert.Equal(walks, endpoint.Walks);

        // 250 ms later the change is seen.
        time.Advance(TopicsEndpoint.MinWalkInterval);
        Assert.Equal(2, (await GetTopicsAsync(server, 10)).GetProperty("total").GetInt32());
        Assert.Equal(walks + 1, endpoint.Walks);

        // Nothing changed since: answered from that walk, however much later.
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(2, (await GetTopicsAsync(server, 10)).GetProperty("total").GetInt32());
        Assert.Equal(walks + 1, endpoint.Walks);
    }

    private static async Task<JsonElement> GetTopicsAsync(JanusTestServer server, int limit)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        string body = await http.GetStringAsync(new Uri($"/api/topics?limit={limit}", UriKind.Relative));
        using JsonDocument json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }
}
