using System.Net;
using System.Net.WebSockets;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Limits;
using Janus.Server.Metrics;
using Janus.Server.Transports;
using Janus.Testing;
using Janus.Web.Tests.Edge;
using Janus.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Web.Tests.Limits;

/// <summary>
/// The limits on the WebSocket side: connection limits refuse the upgrade with 503 (server full) or 429 (this
/// address), before any WebSocket exists; a frame or fragmented message must complete within the frame timeout; an
/// API-key publisher is held to its publish rate. Untrusted callers are made by an empty trusted list.
/// </summary>
public sealed class WebSocketLimitTests
{
    private const string Key = "test-key-0123456789abcdef";

    private static async Task<(JanusTestServer Server, FakeTimeProvider Time)> StartAsync(params (string Key, string Value)[] settings)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var all = new Dictionary<string, string?>();
        foreach ((string key, string value) in settings)
        {
            all[key] = value;
        }

        JanusTestServer server = await JanusTestServer.StartAsync(all, services => services.AddSingleton<TimeProvider>(time));
        return (server, time);
    }

    [Fact]
    public async Task Past_MaxConnections_the_upgrade_is_refused_with_503_and_too_many_connections()
    {
        (JanusTestServer server, _) = await StartAsync(("Janus:Limits:MaxConnections", "2"));
        await using (server)
        {
            await using WsClient first = await WsClient.ConnectAsync(server);

            // TCP and WebSocket share the total.
            await using RawTcpClient second = await server.ConnectTcpAsync();
            (HttpStatusCode status, string body, string? retryAfter) = await UpgradeAsync(server);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("\"too_many_connections\"", body, StringComparison.Ordinal);
            Assert.Equal("1", retryAfter);
            Assert.Equal(1, server.GetRequiredService<JanusMetrics>().Refused(ProtocolError.TooManyConnections));
        }
    }

    [Fact]
    public async Task An_untrusted_address_past_its_share_or_its_rate_is_refused_with_429()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartAsync(
            ("Janus:Security:TrustedNetworks", ""),
            ("Janus:Limits:MaxConnectionsPerAddress", "2"),
            ("Janus:Limits:NewConnectionsPerSecondPerAddress", "3"));
        await using (server)
        {
            JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
            await using WsClient first = await WsClient.ConnectAsync(server);
            await using WsClient second = await WsClient.ConnectAsync(server);
            (HttpStatusCode status, string body, _) = await UpgradeAsync(server);
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Contains("\"too_many_connections_from_address\"", body, StringComparison.Ordinal);

            // That was the third connect this second: the fourth is over the rate, whatever is open.
            await first.DisposeAsync();
            await server.GetRequiredService<ConnectionRegistry>().WaitForCountAsync(1).WaitAsync(WsClient.DefaultTimeout);
            (status, body, _) = await UpgradeAsync(server);
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Contains("\"connection_rate_limited\"", body, StringComparison.Ordinal);

            time.Advance(TimeSpan.FromSeconds(1));
            await using WsClient later = await WsClient.ConnectAsync(server);
            await later.SubscribeAsync("t");
            Assert.Equal(1, metrics.Refused(ProtocolError.TooManyConnectionsFromAddress));
            Assert.Equal(1, metrics.Refused(ProtocolError.ConnectionRateLimited));
            Assert.Equal(2, server.GetRequiredService<ConnectionLimiter>().Open);
        }
    }

    [Fact]
    public async Task A_fragmented_message_trickled_one_fragment_at_a_time_is_closed_with_frame_timeout()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartAsync(
            ("Janus:Limits:FrameTimeout", "00:00:30"),
            ("Janus:Heartbeat:Interval", "00:00:10"),
            ("Janus:Heartbeat:Timeout", "00:01:30"));
        await using (server)
        {
            JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
            await using RawWebSocket client = await RawWebSocket.ConnectAsync(server.HttpEndPoint!);
            await client.ReadTextAsync();

            // Whole fragments every 5 s (each a sign of life, so no heartbeat timeout), the message never finished. The
            // first goes in one write behind a subscribe, whose ACK proves the server has read it before time moves.
            byte[] subscribe = RawWebSocket.BuildFrame(WebSocketOpcode.Text, "{\"action\":\"subscribe\",\"data\":\"t\"}"u8);
            byte[] fragment = RawWebSocket.BuildFrame(WebSocketOpcode.Text, "{\"action\":"u8, fin: false);
            await client.SendRawAsync([.. subscribe, .. fragment]);
            Assert.Equal("ACK", await client.ReadTextAsync());
            int elapsed = 0;
            while (metrics.Errors(ProtocolError.FrameTimeout) == 0 && elapsed < 40)
            {
                time.Advance(TimeSpan.FromSeconds(1));
                elapsed++;
                if (elapsed % 5 == 0 && metrics.Errors(ProtocolError.FrameTimeout) == 0)
                {
                    await client.SendFrameAsync(WebSocketOpcode.Continuation, " "u8, fin: false);
                }
            }

            Assert.InRange(elapsed, 30, 32);
            (List<string> messages, ushort code, string reason) = await client.ReadUntilCloseAsync();
            Assert.Contains("\"error\":\"frame_timeout\"", messages[^1], StringComparison.Ordinal);
            Assert.Equal(WebSocketCloseCodes.PolicyViolation, code);
            Assert.Equal("frame_timeout", reason);
            Assert.Equal(0, metrics.Errors(ProtocolError.HeartbeatTimeout));
        }
    }

    [Fact]
    public async Task An_api_key_publisher_past_its_publish_rate_is_closed_with_publish_rate_limited()
    {
        (JanusTestServer server, FakeTimeProvider time) = await StartAsync(
            ("Janus:Security:TrustedNetworks", ""),
            ("Janus:Security:ApiKeys:0", Key),
            ("Janus:Limits:PublishesPerSecondPerConnection", "5"));
        await using (server)
        {
            JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
            await using WsClient publisher = await WsClient.ConnectAsync(server, configure: options => options.AddSubProtocol(EdgeHttp.KeyProtocol(Key)));

            // Five a second: five now, then one second later five more.
            for (int round = 0; round < 2; round++)
            {
                for (int i = 0; i < 5; i++)
                {
                    await publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"t\",\"data\":" + i + "}");
                    Assert.Equal("ACK", await publisher.ReceiveSkippingPingsAsync());
                }

                time.Advance(TimeSpan.FromSeconds(1));
            }

            for (int i = 0; i < 6; i++)
            {
                await publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"t\",\"data\":" + i + "}");
            }

            (List<string> messages, WebSocketCloseStatus? status, string? description) = await publisher.ReceiveUntilCloseAsync();
            Assert.Equal(5, messages.Count(m => m == "ACK"));
            Assert.Contains("\"error\":\"publish_rate_limited\"", messages[^1], StringComparison.Ordinal);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Equal("publish_rate_limited", description);
            Assert.Equal(1, metrics.Errors(ProtocolError.PublishRateLimited));
            Assert.Equal(15, metrics.Publishes(TransportKind.WebSocket));
        }
    }

    [Fact]
    public async Task A_trusted_publisher_is_not_rate_limited()
    {
        (JanusTestServer server, _) = await StartAsync(("Janus:Limits:PublishesPerSecondPerConnection", "2"));
        await using (server)
        {
            await using WsClient publisher = await WsClient.ConnectAsync(server);
            for (int i = 0; i < 20; i++)
            {
                await publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"t\",\"data\":" + i + "}");
            }

            for (int i = 0; i < 20; i++)
            {
                Assert.Equal("ACK", await publisher.ReceiveSkippingPingsAsync());
            }

            Assert.Equal(0, server.GetRequiredService<JanusMetrics>().Errors(ProtocolError.PublishRateLimited));
        }
    }

    /// <summary>Tries an upgrade that is expected to be refused; the status, the JSON body and Retry-After.</summary>
    private static async Task<(HttpStatusCode Status, string Body, string? RetryAfter)> UpgradeAsync(JanusTestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ws", UriKind.Relative));
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        using HttpResponseMessage response = await http.SendAsync(request);
        string? retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? ((int)delta.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), retryAfter);
    }
}
