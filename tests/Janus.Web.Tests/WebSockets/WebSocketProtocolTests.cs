using System.Net.WebSockets;
using System.Text.Json;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.WebSockets;

/// <summary>The Janus messages over WebSocket: greeting, subscribe/ACK, deliveries, publish, ordering, both transports on one topic.</summary>
public sealed class WebSocketProtocolTests
{
    private const string DeliveryPattern = """^\{"timestamp":\[\d+,\d+,\d+\],"topic":"news","event":"e","message_id":7,"data":\{"x":1,"y":\[true,null\]\}\}$""";

    [Fact]
    public async Task Greeting_is_the_TCP_greeting_in_one_text_frame()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server);

        Assert.Matches("""^\{"timestamp":\[\d+,\d+,\d+\],"token":"[0-9a-f]{32}"\}$""", client.Greeting);
    }

    [Fact]
    public async Task Subscriber_receives_a_publish_from_another_WebSocket_client_with_the_delivery_key_order()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("news");
        await using WsClient publisher = await WsClient.ConnectAsync(server);

        // Keys in another order and whitespace inside data: the delivery has the fixed order and compact data.
        await publisher.SendAsync("""{"data":{"x": 1, "y": [true, null]},"message_id":7,"event":"e","topic":"news","action":"publish"}""");

        Assert.Equal("ACK", await publisher.ReceiveAsync());
        Assert.Matches(DeliveryPattern, await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task Every_subscribe_unsubscribe_and_publish_gets_exactly_one_ACK_in_order()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server);

        await client.SendAsync("""{"action":"subscribe","data":"a"}""");
        await client.SendAsync("""{"action":"subscribe","data":"a"}""");
        await client.SendAsync("""{"action":"unsubscribe","data":"a"}""");
        await client.SendAsync("""{"action":"unsubscribe","data":"never-subscribed"}""");
        await client.SendAsync("""{"action":"publish","topic":"nobody-listens","event":"e","message_id":1,"data":null}""");
        await client.SendAsync("""{"action":"subscribe","data":"mine"}""");
        await client.SendAsync("""{"action":"publish","topic":"mine","event":"e","message_id":2,"data":null}""");

        for (int i = 0; i < 6; i++)
        {
            Assert.Equal("ACK", await client.ReceiveAsync());
        }

        // The publish to its own topic: the delivery is queued during the publish, so before the publish's ACK.
        Assert.Matches("""^\{"timestamp":\[\d+,\d+,\d+\],"topic":"mine","event":"e","message_id":2,"data":null\}$""", await client.ReceiveAsync());
        Assert.Equal("ACK", await client.ReceiveAsync());
    }

    [Fact]
    public async Task Unsubscribe_stops_deliveries()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server);
        await client.SubscribeAsync("gone");
        await client.SubscribeAsync("kept");
        await client.SendAsync("""{"action":"unsubscribe","data":"gone"}""");
        Assert.Equal("ACK", await client.ReceiveAsync());

        await client.SendAsync("""{"action":"publish","topic":"gone","message_id":1}""");
        await client.SendAsync("""{"action":"publish","topic":"kept","message_id":2}""");

        Assert.Equal("ACK", await client.ReceiveAsync());
        Assert.Contains("\"message_id\":2", await client.ReceiveAsync(), StringComparison.Ordinal);
        Assert.Equal("ACK", await client.ReceiveAsync());
    }

    [Fact]
    public async Task A_TCP_client_and_a_WebSocket_client_on_one_topic_both_receive_one_publish_with_identical_bytes()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient tcp = await server.ConnectTcpAsync();
        await tcp.SendAsync("{\"action\":\"subscribe\",\"data\":\"news\"}\0");
        Assert.Equal("ACK", await tcp.ReadMessageAsync());
        await using WsClient ws = await WsClient.ConnectAsync(server);
        await ws.SubscribeAsync("news");

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync("PUBLISH\0{\"topic\":\"news\",\"event\":\"e\",\"message_id\":7,\"data\":{\"x\":1,\"y\":[true,null]}}");

        string overTcp = await tcp.ReadMessageAsync();
        string overWebSocket = await ws.ReceiveAsync();
        Assert.Matches(DeliveryPattern, overTcp);
        Assert.Equal(overTcp, overWebSocket);
    }

    [Fact]
    public async Task A_WebSocket_publish_reaches_TCP_subscribers()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient tcp = await server.ConnectTcpAsync();
        await tcp.SendAsync("{\"action\":\"subscribe\",\"data\":\"news\"}\0");
        Assert.Equal("ACK", await tcp.ReadMessageAsync());
        await using WsClient publisher = await WsClient.ConnectAsync(server);

        await publisher.SendAsync("""{"action":"publish","topic":"news","event":"e","message_id":7,"data":{"x":1,"y":[true,null]}}""");

        Assert.Equal("ACK", await publisher.ReceiveAsync());
        Assert.Matches(DeliveryPattern, await tcp.ReadMessageAsync());
    }

    [Fact]
    public async Task Many_publishes_arrive_in_order_at_every_subscriber_one_message_per_frame()
    {
        const int count = 500;
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient first = await WsClient.ConnectAsync(server);
        await using WsClient second = await WsClient.ConnectAsync(server);
        await first.SubscribeAsync("ordered");
        await second.SubscribeAsync("ordered");
        await using WsClient publisher = await WsClient.ConnectAsync(server);

        Task reading = Task.WhenAll(ExpectInOrderAsync(first, count), ExpectInOrderAsync(second, count));
        for (int i = 0; i < count; i++)
        {
            await publisher.SendAsync($$"""{"action":"publish","topic":"ordered","event":"seq","message_id":{{i}},"data":"{{new string('x', i % 200)}}"}""");
        }

        for (int i = 0; i < count; i++)
        {
            Assert.Equal("ACK", await publisher.ReceiveAsync());
        }

        await reading;
    }

    private static async Task ExpectInOrderAsync(WsClient client, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using JsonDocument message = JsonDocument.Parse(await client.ReceiveAsync());
            Assert.Equal(i, message.RootElement.GetProperty("message_id").GetInt32());
        }
    }

    [Fact]
    public async Task A_fragmented_message_within_the_limit_is_reassembled()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server);
        byte[] command = """{"action":"subscribe","data":"in-pieces"}"""u8.ToArray();

        using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
        for (int i = 0; i < command.Length; i += 7)
        {
            int length = Math.Min(7, command.Length - i);
            await client.Socket.SendAsync(command.AsMemory(i, length), WebSocketMessageType.Text, endOfMessage: i + length == command.Length, timeout.Token);
        }

        Assert.Equal("ACK", await client.ReceiveAsync());
        await client.SendAsync("""{"action":"publish","topic":"in-pieces","message_id":1}""");
        Assert.Contains("\"topic\":\"in-pieces\"", await client.ReceiveAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_close_is_answered_with_the_same_close_code()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server);
        await client.SubscribeAsync("t");

        using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
        await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);

        Assert.Equal(WebSocketState.Closed, client.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task On_shutdown_a_client_gets_what_was_queued_then_close_code_1001()
    {
        JanusTestServer server = await JanusTestServer.StartAsync();
        await using (server)
        {
            await using WsClient client = await WsClient.ConnectAsync(server);
            await client.SubscribeAsync("t");
            Task<(List<string> Messages, WebSocketCloseStatus? Status, string? Description)> closing = client.ReceiveUntilCloseAsync();

            Task stopping = server.StopAsync();
            (List<string> messages, WebSocketCloseStatus? status, string? description) = await closing;
            using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
            await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            await stopping.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Empty(messages);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
            Assert.Equal("server_shutdown", description);
        }
    }

    [Fact]
    public async Task A_ping_control_frame_is_answered_with_a_pong_carrying_the_same_payload()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawWebSocket client = await RawWebSocket.ConnectAsync(server.HttpEndPoint!);
        Assert.StartsWith("{\"timestamp\":", await client.ReadTextAsync(), StringComparison.Ordinal);

        await client.SendFrameAsync(Janus.Protocol.WebSocketOpcode.Ping, "are you there?"u8);

        (bool Fin, byte Opcode, byte[] Payload)? pong = await client.ReadFrameAsync();
        Assert.NotNull(pong);
        Assert.True(pong.Value.Fin);
        Assert.Equal(Janus.Protocol.WebSocketOpcode.Pong, pong.Value.Opcode);
        Assert.Equal("are you there?"u8.ToArray(), pong.Value.Payload);
    }

    [Fact]
    public async Task The_janus_subprotocol_is_accepted_when_offered()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient client = await WsClient.ConnectAsync(server, configure: options => options.AddSubProtocol("janus"));

        Assert.Equal("janus", client.Socket.SubProtocol);
        await client.SubscribeAsync("t");
    }

    [Fact]
    public async Task A_plain_GET_without_upgrade_is_refused_with_426_and_a_JSON_error()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };

        using HttpResponseMessage response = await http.GetAsync(new Uri("/ws", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.UpgradeRequired, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("websocket_required", body.RootElement.GetProperty("error").GetString());
    }
}
