using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Janus.Protocol;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.WebSockets;

/// <summary>
/// Bad input closes the connection that sent it, with an error message and a fitting close code, and nobody else's:
/// a bystander on the same server keeps getting its messages.
/// </summary>
public sealed class WebSocketBadInputTests
{
    private const int MaxFrameBytes = 1024;

    private static Task<JanusTestServer> StartAsync() =>
        JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Limits:MaxFrameBytes"] = MaxFrameBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Theory]
    [InlineData("""{"action":""", "invalid_json", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("""{"action":"dance","data":"t"}""", "unknown_action", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("""{"data":"t"}""", "invalid_command", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("""{"action":"subscribe","data":""}""", "invalid_topic", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("""{"action":"subscribe","data":"a\u0001b"}""", "invalid_topic", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"a\u0085b\"}", "invalid_topic", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("HELLO", "unknown_frame", WebSocketCloseStatus.PolicyViolation)]
    [InlineData("PUBLISH", "unknown_frame", WebSocketCloseStatus.PolicyViolation)]
    public async Task A_bad_text_message_closes_only_its_connection(string message, string error, WebSocketCloseStatus status)
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient bystander = await WsClient.ConnectAsync(server);
        await bystander.SubscribeAsync("bystander");
        await using WsClient client = await WsClient.ConnectAsync(server);

        await client.SendAsync(message);

        await AssertClosedWithAsync(client, error, status);
        await AssertStillServedAsync(server, bystander);
    }

    [Fact]
    public async Task A_binary_frame_is_refused_with_1003()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient bystander = await WsClient.ConnectAsync(server);
        await bystander.SubscribeAsync("bystander");
        await using WsClient client = await WsClient.ConnectAsync(server);

        using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
        await client.Socket.SendAsync("""{"action":"subscribe","data":"t"}"""u8.ToArray(), WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);

        await AssertClosedWithAsync(client, "binary_frame", WebSocketCloseStatus.InvalidMessageType);
        await AssertStillServedAsync(server, bystander);
    }

    [Fact]
    public async Task A_message_over_MaxFrameBytes_is_refused_with_1009()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient bystander = await WsClient.ConnectAsync(server);
        await bystander.SubscribeAsync("bystander");
        await using WsClient client = await WsClient.ConnectAsync(server);

        await client.SendAsync($$"""{"action":"subscribe","data":"{{new string('t', MaxFrameBytes)}}"}""");

        await AssertClosedWithAsync(client, "frame_too_large", WebSocketCloseStatus.MessageTooBig);
        await AssertStillServedAsync(server, bystander);
    }

    [Fact]
    public async Task Fragments_adding_up_to_more_than_MaxFrameBytes_are_refused_with_1009()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient bystander = await WsClient.ConnectAsync(server);
        await bystander.SubscribeAsync("bystander");
        await using WsClient client = await WsClient.ConnectAsync(server);

        byte[] piece = Encoding.UTF8.GetBytes(new string(' ', MaxFrameBytes / 2));
        using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
        await client.Socket.SendAsync(piece, WebSocketMessageType.Text, endOfMessage: false, timeout.Token);
        await client.Socket.SendAsync(piece, WebSocketMessageType.Text, endOfMessage: false, timeout.Token);
        await client.Socket.SendAsync(piece, WebSocketMessageType.Text, endOfMessage: false, timeout.Token);

        await AssertClosedWithAsync(client, "frame_too_large", WebSocketCloseStatus.MessageTooBig);
        await AssertStillServedAsync(server, bystander);
    }

    public static TheoryData<string, byte[], string, ushort> BrokenFrames => new()
    {
        { "unmasked", RawWebSocket.BuildFrame(WebSocketOpcode.Text, """{"action":"subscribe","data":"t"}"""u8, mask: false), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "reserved bit", RawWebSocket.BuildFrame(WebSocketOpcode.Text, """{"action":"subscribe","data":"t"}"""u8, reserved: 0x4), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "reserved opcode", RawWebSocket.BuildFrame(0x3, "x"u8), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "continuation of nothing", RawWebSocket.BuildFrame(WebSocketOpcode.Continuation, "x"u8), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "fragmented ping", RawWebSocket.BuildFrame(WebSocketOpcode.Ping, "x"u8, fin: false), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "long ping", RawWebSocket.BuildFrame(WebSocketOpcode.Ping, new byte[126]), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "invalid UTF-8", RawWebSocket.BuildFrame(WebSocketOpcode.Text, [(byte)'{', 0xC3, 0x28, (byte)'}']), "invalid_utf8", WebSocketCloseCodes.InvalidPayload },
        { "close code 1005", RawWebSocket.BuildFrame(WebSocketOpcode.Close, [0x03, 0xED]), "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
        { "new message inside a fragmented one", [.. RawWebSocket.BuildFrame(WebSocketOpcode.Text, "{"u8, fin: false), .. RawWebSocket.BuildFrame(WebSocketOpcode.Text, "}"u8)], "invalid_websocket_frame", WebSocketCloseCodes.ProtocolError },
    };

    [Theory]
    [MemberData(nameof(BrokenFrames))]
    public async Task A_frame_that_breaks_RFC_6455_closes_only_its_connection(string what, byte[] bytes, string error, ushort code)
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient bystander = await WsClient.ConnectAsync(server);
        await bystander.SubscribeAsync("bystander");
        await using RawWebSocket client = await RawWebSocket.ConnectAsync(server.HttpEndPoint!);
        await client.ReadTextAsync();

        await client.SendRawAsync(bytes);

        (List<string> messages, ushort closeCode, string reason) = await client.ReadUntilCloseAsync();
        AssertError(Assert.Single(messages), error);
        Assert.True(code == closeCode, $"{what}: close code {closeCode}, expected {code}");
        Assert.Equal(error, reason);
        Assert.True(await client.WaitForEndOfStreamAsync(WsClient.DefaultTimeout), "the server should close the TCP connection after the closing handshake");
        await AssertStillServedAsync(server, bystander);
    }

    [Fact]
    public async Task Invalid_UTF8_is_explained_in_the_words_of_the_WebSocket_wire()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawWebSocket client = await RawWebSocket.ConnectAsync(server.HttpEndPoint!);
        await client.ReadTextAsync();

        await client.SendRawAsync(RawWebSocket.BuildFrame(WebSocketOpcode.Text, [(byte)'{', 0xC3, 0x28, (byte)'}']));

        (List<string> messages, _, _) = await client.ReadUntilCloseAsync();
        using JsonDocument json = JsonDocument.Parse(Assert.Single(messages));
        Assert.Equal(ProtocolErrors.Reason(ProtocolError.InvalidUtf8, WireTransport.WebSocket), json.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_header_announcing_too_large_a_payload_is_refused_before_any_payload_arrives()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawWebSocket client = await RawWebSocket.ConnectAsync(server.HttpEndPoint!);
        await client.ReadTextAsync();

        // Only the header: a server that waited for (and buffered) the payload would never answer.
        byte[] header = RawWebSocket.BuildFrame(WebSocketOpcode.Text, [], declaredLength: 1L << 40);
        await client.SendRawAsync(header);

        (List<string> messages, ushort closeCode, _) = await client.ReadUntilCloseAsync();
        AssertError(Assert.Single(messages), "frame_too_large");
        Assert.Equal(WebSocketCloseCodes.MessageTooBig, closeCode);
    }

    [Fact]
    public async Task Publishing_without_trust_or_key_is_refused_with_publish_forbidden()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Security:TrustedNetworks"] = string.Empty });
        await using WsClient client = await WsClient.ConnectAsync(server);
        await client.SubscribeAsync("allowed-to-listen");

        await client.SendAsync("""{"action":"publish","topic":"t","event":"e","message_id":1,"data":null}""");

        await AssertClosedWithAsync(client, "publish_forbidden", WebSocketCloseStatus.PolicyViolation);
    }

    private static async Task AssertClosedWithAsync(WsClient client, string error, WebSocketCloseStatus status)
    {
        (List<string> messages, WebSocketCloseStatus? closeStatus, string? description) = await client.ReceiveUntilCloseAsync();
        AssertError(Assert.Single(messages), error);
        Assert.Equal(status, closeStatus);
        Assert.Equal(error, description);
    }

    private static void AssertError(string message, string error)
    {
        using JsonDocument json = JsonDocument.Parse(message);
        Assert.Equal(error, json.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("reason").GetString()));
    }

    private static async Task AssertStillServedAsync(JanusTestServer server, WsClient bystander)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/api/publish", UriKind.Relative), new { topic = "bystander", @event = "e", message_id = 1, data = "still here" });
        response.EnsureSuccessStatusCode();
        Assert.Contains("still here", await bystander.ReceiveAsync(), StringComparison.Ordinal);
    }
}
