using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Janus.Testing;
using Janus.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Web.Tests.Api;

/// <summary><c>GET /api/topics</c>, <c>GET /api/stats</c> and <c>GET /api/stats/history</c>.</summary>
public sealed class ReadApiTests
{
    private static async Task<JsonElement> GetJsonAsync(JanusTestServer server, string path)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static async Task PublishAsync(JanusTestServer server, string topic)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/api/publish", UriKind.Relative), new { topic, @event = "e", message_id = 1, data = "x" });
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Topics_lists_each_topic_with_its_subscriber_count_most_subscribed_first()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient one = await WsClient.ConnectAsync(server);
        await using WsClient two = await WsClient.ConnectAsync(server);
        await using RawTcpClient three = await server.ConnectTcpAsync();
        await one.SubscribeAsync("quiet");
        await one.SubscribeAsync("busy");
        await two.SubscribeAsync("busy");
        await three.SendAsync("{\"action\":\"subscribe\",\"data\":\"busy\"}\0");
        Assert.Equal("ACK", await three.ReadMessageAsync());

        JsonElement topics = await GetJsonAsync(server, "/api/topics");

        Assert.Equal(2, topics.GetProperty("total").GetInt32());
        Assert.Equal(4, topics.GetProperty("subscriptions").GetInt64());
        Assert.Equal(
            [("busy", 3), ("quiet", 1)],
            topics.GetProperty("topics").EnumerateArray().Select(t => (t.GetProperty("topic").GetString(), t.GetProperty("subscribers").GetInt32())));

        JsonElement limited = await GetJsonAsync(server, "/api/topics?limit=1");
        Assert.Equal(2, limited.GetProperty("total").GetInt32());
        Assert.Equal("busy", Assert.Single(limited.GetProperty("topics").EnumerateArray()).GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Stats_count_connections_per_transport_messages_and_fanout_latency()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient ws = await WsClient.ConnectAsync(server);
        await ws.SubscribeAsync("s");
        await using RawTcpClient tcp = await server.ConnectTcpAsync();
        await tcp.SendAsync("{\"action\":\"subscribe\",\"data\":\"s\"}\0");
        Assert.Equal("ACK", await tcp.ReadMessageAsync());
        JsonElement before = await GetJsonAsync(server, "/api/stats");

        await PublishAsync(server, "s");
        await PublishAsync(server, "nobody");
        await ws.ReceiveAsync();
        await tcp.ReadMessageAsync();
        JsonElement after = await GetJsonAsync(server, "/api/stats");

        Assert.False(string.IsNullOrEmpty(after.GetProperty("node_id").GetString()));
        Assert.False(after.GetProperty("cluster").GetProperty("enabled").GetBoolean());
        Assert.False(after.GetProperty("cluster").GetProperty("connected").GetBoolean());
        Assert.Equal(0, after.GetProperty("cluster").GetProperty("peers").GetArrayLength());
        Assert.Equal(1, after.GetProperty("connections").GetProperty("tcp").GetInt64());
        Assert.Equal(1, after.GetProperty("connections").GetProperty("websocket").GetInt64());
        Assert.Equal(2, after.GetProperty("connections").GetProperty("total").GetInt64());
        Assert.Equal(0, after.GetProperty("connections").GetProperty("dashboard").GetInt64());
        Assert.Equal(2, after.GetProperty("sessions").GetInt32());
        Assert.Equal(1, after.GetProperty("topics").GetInt32());
        Assert.Equal(2, after.GetProperty("subscriptions").GetInt64());
        JsonElement messagesBefore = before.GetProperty("messages");
        JsonElement messages = after.GetProperty("messages");
        Assert.Equal(2, messages.GetProperty("published").GetInt64() - messagesBefore.GetProperty("published").GetInt64());
        Assert.Equal(2, messages.GetProperty("published_by").GetProperty("http").GetInt64());
        Assert.Equal(2, messages.GetProperty("delivered").GetInt64() - messagesBefore.GetProperty("delivered").GetInt64());
        Assert.True(after.GetProperty("bytes").GetProperty("sent").GetInt64() > before.GetProperty("bytes").GetProperty("sent").GetInt64());
        Assert.True(after.GetProperty("rates").GetProperty("publishes_per_second").GetDouble() > 0);
        Assert.True(after.GetProperty("rates").GetProperty("deliveries_per_second").GetDouble() > 0);
        Assert.Equal(0, after.GetProperty("slow_consumer_disconnects").GetInt64());
        Assert.Equal(0, after.GetProperty("errors").GetProperty("invalid_json").GetInt64());

        // Only the publish that reached subscribers has a fan-out latency.
        JsonElement enqueue = after.GetProperty("latency").GetProperty("enqueue");
        Assert.Equal(1, enqueue.GetProperty("count").GetInt32());
        Assert.True(enqueue.GetProperty("max_ms").GetDouble() >= enqueue.GetProperty("p50_ms").GetDouble());
        Assert.Equal(1, enqueue.GetProperty("buckets").EnumerateArray().Sum(b => b.GetInt64()));
        Assert.Equal(
            after.GetProperty("latency").GetProperty("bucket_bounds_ms").GetArrayLength() + 1,
            enqueue.GetProperty("buckets").GetArrayLength());
    }

    [Fact]
    public async Task A_dashboard_connection_is_counted_apart_from_client_connections()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(time));
        await using WsClient client = await WsClient.ConnectAsync(server);
        await using WsClient dashboard = await WsClient.ConnectAsync(server, "dashboard=1");

        // It is a WebSocket client like any other (it subscribes and receives), only counted apart.
        await dashboard.SubscribeAsync("d");
        await PublishAsync(server, "d");
        await dashboard.ReceiveAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        JsonElement stats = await GetJsonAsync(server, "/api/stats");
        JsonElement history = await GetJsonAsync(server, "/api/stats/history");

        JsonElement connections = stats.GetProperty("connections");
        Assert.Equal(1, connections.GetProperty("websocket").GetInt64());
        Assert.Equal(1, connections.GetProperty("total").GetInt64());
        Assert.Equal(1, connections.GetProperty("dashboard").GetInt64());
        Assert.Equal(1, stats.GetProperty("connections_accepted").GetProperty("dashboard").GetInt64());
        Assert.Equal(1, stats.GetProperty("connections_accepted").GetProperty("total").GetInt64());
        Assert.Equal(1, stats.GetProperty("topics").GetInt32());
        JsonElement sample = history.GetProperty("samples").EnumerateArray().Last();
        Assert.Equal(1, sample.GetProperty("connections_websocket").GetInt64());
        Assert.Equal(1, sample.GetProperty("connections_dashboard").GetInt64());
    }

    [Fact]
    public async Task Stats_count_errors_by_code()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server);
        await client.SendAsync("{not json");
        await client.ReceiveUntilCloseAsync();

        JsonElement stats = await GetJsonAsync(server, "/api/stats");

        Assert.Equal(1, stats.GetProperty("errors").GetProperty("invalid_json").GetInt64());
        Assert.Equal(0, stats.GetProperty("errors").GetProperty("unknown_action").GetInt64());
    }

    [Fact]
    public async Task History_keeps_one_sample_per_second_with_rates()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(time));
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("h");

        time.Advance(TimeSpan.FromSeconds(1));
        await PublishAsync(server, "h");
        await PublishAsync(server, "h");
        await PublishAsync(server, "h");
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        JsonElement history = await GetJsonAsync(server, "/api/stats/history");

        Assert.Equal(1, history.GetProperty("interval_seconds").GetInt32());
        Assert.Equal(600, history.GetProperty("capacity").GetInt32());
        JsonElement[] samples = [.. history.GetProperty("samples").EnumerateArray()];
        Assert.Equal(3, samples.Length);
        Assert.Equal(1, samples[0].GetProperty("connections_websocket").GetInt64());
        Assert.Equal(0, samples[0].GetProperty("publishes_per_second").GetDouble());
        Assert.Equal(3, samples[1].GetProperty("publishes_per_second").GetDouble());
        Assert.Equal(3, samples[1].GetProperty("deliveries_per_second").GetDouble());
        Assert.Equal(3, samples[1].GetProperty("fanouts").GetInt32());
        Assert.Equal(JsonValueKind.Number, samples[1].GetProperty("enqueue_p99_ms").ValueKind);
        Assert.Equal(JsonValueKind.Null, samples[2].GetProperty("enqueue_p99_ms").ValueKind);
        Assert.Equal(0, samples[2].GetProperty("publishes_per_second").GetDouble());
        Assert.Equal(1000, samples[2].GetProperty("time").GetInt64() - samples[1].GetProperty("time").GetInt64());

        long since = samples[1].GetProperty("time").GetInt64();
        JsonElement newer = await GetJsonAsync(server, $"/api/stats/history?since={since}");
        Assert.Equal(samples[2].GetProperty("time").GetInt64(), Assert.Single(newer.GetProperty("samples").EnumerateArray()).GetProperty("time").GetInt64());
    }
}
