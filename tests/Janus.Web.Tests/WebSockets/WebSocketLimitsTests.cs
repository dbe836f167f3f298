using System.Net;
using System.Net.WebSockets;
using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Testing;
using Janus.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Web.Tests.WebSockets;

/// <summary>
/// The bounds Kestrel no longer applies once a connection is upgraded: heartbeat and silence timeout (a client that
/// trickles a frame never counts as alive), and the slow-consumer bound on the outbound queue.
/// </summary>
public sealed class WebSocketLimitsTests
{
    private static async Task<(JanusTestServer Server, FakeTimeProvider Time)> StartWithFakeTimeAsync()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        JanusTestServer server = await JanusTestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Janus:Heartbeat:Interval"] = "00:00:10",
                ["Janus:Heartbeat:Timeout"] = "00:00:25",
            },
            services => services.AddSingleton<TimeProvider>(time));
        return (server, time);
    }

    [Fact]
    public async Task An_idle_client_gets_PING_text_messages_and_answering_PONG_keeps_it_open()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartWithFakeTimeAsync();
        await using (server)
        {
            await using WsClient client = await WsClient.ConnectAsync(server);

            time.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal("PING", await client.ReceiveAsync());
            await client.SendAsync("PONG");

            // The ACK proves the PONG before it was read (frames are handled in order).
            await client.SubscribeAsync("alive");
            time.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal("PING", await client.ReceiveAsync());
            await client.SubscribeAsync("still-alive");

            // 30 s after the last PONG-proven activity but only 20 s after the last frame: still open.
            Assert.Equal(WebSocketState.Open, client.Socket.State);
        }
    }

    [Fact]
    public async Task A_subscriber_of_a_busy_topic_is_asked_for_a_sign_of_life_and_answering_keeps_it_open()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartWithFakeTimeAsync();
        await using (server)
        {
            await using WsClient client = await WsClient.ConnectAsync(server);
            await client.SubscribeAsync("busy");
            using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };

            // Something is sent to the client every 5 s, and it sends nothing but PONGs, for 60 s (timeout 25 s).
            int pings = 0;
            for (int step = 1; step <= 12; step++)
            {
                time.Advance(TimeSpan.FromSeconds(5));
                using HttpResponseMessage response = await http.PostAsync(
                    new Uri("/api/publish", UriKind.Relative),
                    new StringContent("{\"topic\":\"busy\",\"data\":" + step + "}", System.Text.Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                string message;
                while ((message = await client.ReceiveAsync()) == "PING")
                {
                    pings++;
                    await client.SendAsync("PONG");
                }

                Assert.EndsWith(",\"data\":" + step + "}", message, StringComparison.Ordinal);
            }

            // Asked about once per interval (10 s) of silence from the client.
            Assert.InRange(pings, 4, 7);
            Assert.Equal(WebSocketState.Open, client.Socket.State);
        }
    }

    [Fact]
    public async Task A_silent_client_is_closed_with_heartbeat_timeout()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartWithFakeTimeAsync();
        await using (server)
        {
            await using WsClient client = await WsClient.ConnectAsync(server);

            time.Advance(TimeSpan.FromSeconds(10));
            time.Advance(TimeSpan.FromSeconds(10));
            time.Advance(TimeSpan.FromSeconds(10));

            (List<string> messages, WebSocketCloseStatus? status, string? description) = await client.ReceiveUntilCloseAsync();
            Assert.Equal("PING", messages[0]);
            Assert.Contains("\"error\":\"heartbeat_timeout\"", messages[^1], StringComparison.Ordinal);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Equal("heartbeat_timeout", description);
        }
    }

    [Fact]
    public async Task A_client_trickling_a_frame_never_counts_as_alive_and_is_closed_by_the_timeout()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartWithFakeTimeAsync();
        await using (server)
        {
            await using RawWebSocket client = await RawWebSocket.ConnectAsync(server.HttpEndPoint!);
            await client.ReadTextAsync();
            byte[] frame = RawWebSocket.BuildFrame(WebSocketOpcode.Text, new byte[200]);

            // A header and a few bytes of payload every 10 s, the frame never complete.
            for (int i = 0; i < 3; i++)
            {
                await client.SendRawAsync(frame[(i * 8)..((i + 1) * 8)]);
                time.Advance(TimeSpan.FromSeconds(10));
            }

            (List<string> messages, ushort code, string reason) = await client.ReadUntilCloseAsync();
            Assert.Contains("\"error\":\"heartbeat_timeout\"", messages[^1], StringComparison.Ordinal);
            Assert.Equal(WebSocketCloseCodes.PolicyViolation, code);
            Assert.Equal("heartbeat_timeout", reason);
        }
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_cut_as_a_slow_consumer_and_others_keep_their_messages()
    {
        const int round = 8;
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Limits:MaxQueueBytes"] = "262144",
            ["Janus:Limits:CloseTimeout"] = "00:01:00",
        });
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawWebSocket slow = await RawWebSocket.ConnectAsync(server.HttpEndPoint!, receiveBufferSize: 4096);
        await slow.ReadTextAsync();
        await slow.SendTextAsync("""{"action":"subscribe","data":"firehose"}""");
        Assert.Equal("ACK", await slow.ReadTextAsync());
        await using WsClient healthy = await WsClient.ConnectAsync(server);
        await healthy.SubscribeAsync("firehose");
        await using WsClient publisher = await WsClient.ConnectAsync(server);
        string data = new('x', 16 * 1024);

        // Kernel buffers and Kestrel's pipe take a few MB before the slow client's queue fills; bounded at 64 MB. The
        // healthy client reads each round before the next, so it is never more than a round (128 KB) behind.
        int sent = 0;
        while (metrics.SlowConsumers == 0 && sent < 4000)
        {
            for (int i = 0; i < round; i++)
            {
                await publisher.SendAsync($$"""{"action":"publish","topic":"firehose","event":"e","message_id":{{sent + i}},"data":"{{data}}"}""");
            }

            // The overflow happens inside a publish, before that publish's ACK is queued.
            for (int i = 0; i < round; i++)
            {
                Assert.Equal("ACK", await publisher.ReceiveAsync());
                Assert.Contains($"\"message_id\":{sent + i},", await healthy.ReceiveSkippingPingsAsync(), StringComparison.Ordinal);
            }

            sent += round;
        }

        Assert.Equal(1, metrics.SlowConsumers);
        await publisher.SendAsync("""{"action":"publish","topic":"firehose","event":"end","message_id":-1,"data":null}""");
        Assert.Equal("ACK", await publisher.ReceiveAsync());
        Assert.Contains("\"event\":\"end\"", await healthy.ReceiveSkippingPingsAsync(), StringComparison.Ordinal);

        // The slow client, reading at last, finds what was already on its way, then the error and the close frame.
        (List<string> messages, ushort code, string reason) = await slow.ReadUntilCloseAsync();
        Assert.Contains("\"error\":\"slow_consumer\"", messages[^1], StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseCodes.PolicyViolation, code);
        Assert.Equal("slow_consumer", reason);
        Assert.True(messages.Count - 1 < sent, "messages past the bound were dropped, not buffered");
    }

    [Fact]
    public async Task An_upgrade_after_shutdown_began_is_refused_with_503()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        server.GetRequiredService<Janus.Server.Transports.ConnectionRegistry>().CloseAll(ProtocolError.ServerShutdown, TimeSpan.FromSeconds(1));

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsClient.Address(server), CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, socket.HttpStatusCode);
    }
}
