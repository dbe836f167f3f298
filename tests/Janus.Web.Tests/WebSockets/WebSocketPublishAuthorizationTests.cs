using System.Net;
using System.Net.WebSockets;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.WebSockets;

/// <summary>
/// Who may publish over WebSocket: a caller from a trusted network (unless the page is from another origin), or one
/// that shows an API key at the upgrade, in the Authorization header or, for browsers, as the <c>janus-key.</c>
/// subprotocol (never in the URL: <c>?key=</c> is refused, see Edge/SecretsInUrlTests).
/// </summary>
public sealed class WebSocketPublishAuthorizationTests
{
    private const string Key = "test-key-0123456789abcdef";

    private static Task<JanusTestServer> StartAsync(string trustedNetworks) => JanusTestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Janus:Security:TrustedNetworks"] = trustedNetworks,
        ["Janus:Security:ApiKeys:0"] = Key,
    });

    [Fact]
    public async Task An_untrusted_client_with_the_key_as_a_subprotocol_may_publish()
    {
        await using JanusTestServer server = await StartAsync(string.Empty);
        await using WsClient client = await WsClient.ConnectAsync(server, configure: KeyProtocol);
        await AssertMayPublishAsync(client);
    }

    [Fact]
    public async Task An_untrusted_client_with_the_key_as_a_bearer_token_may_publish()
    {
        await using JanusTestServer server = await StartAsync(string.Empty);
        await using WsClient client = await WsClient.ConnectAsync(server, configure: options => options.SetRequestHeader("Authorization", "Bearer " + Key));
        await AssertMayPublishAsync(client);
    }

    [Theory]
    [InlineData("wrong-key-0123456789abcdef", null)]
    [InlineData(null, "Bearer wrong-key-0123456789abcdef")]
    [InlineData(null, "Basic dXNlcjpwYXNz")]
    public async Task A_wrong_key_is_refused_at_the_upgrade_with_403(string? protocolKey, string? authorization)
    {
        await using JanusTestServer server = await StartAsync(string.Empty);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (authorization is not null)
        {
            socket.Options.SetRequestHeader("Authorization", authorization);
        }

        if (protocolKey is not null)
        {
            socket.Options.AddSubProtocol("janus");
            socket.Options.AddSubProtocol(Edge.EdgeHttp.KeyProtocol(protocolKey));
        }

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsClient.Address(server), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task A_trusted_client_from_the_same_origin_may_publish_without_a_key()
    {
        await using JanusTestServer server = await StartAsync("127.0.0.0/8");
        await using WsClient client = await WsClient.ConnectAsync(server, configure: options => options.SetRequestHeader("Origin", $"http://127.0.0.1:{server.HttpEndPoint!.Port}"));
        await AssertMayPublishAsync(client);
    }

    [Fact]
    public async Task A_page_from_another_origin_may_not_publish_on_the_machine_s_trust()
    {
        await using JanusTestServer server = await StartAsync("127.0.0.0/8");
        await using WsClient client = await WsClient.ConnectAsync(server, configure: options => options.SetRequestHeader("Origin", "http://elsewhere.example"));

        await client.SendAsync("""{"action":"publish","topic":"t","message_id":1}""");

        (List<string> messages, WebSocketCloseStatus? status, _) = await client.ReceiveUntilCloseAsync();
        Assert.Contains("\"error\":\"publish_forbidden\"", Assert.Single(messages), StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
    }

    [Fact]
    public async Task A_page_from_another_origin_with_the_key_may_publish()
    {
        await using JanusTestServer server = await StartAsync("127.0.0.0/8");
        await using WsClient client = await WsClient.ConnectAsync(server, configure: options =>
        {
            options.SetRequestHeader("Origin", "http://elsewhere.example");
            KeyProtocol(options);
        });
        await AssertMayPublishAsync(client);
    }

    private static void KeyProtocol(ClientWebSocketOptions options)
    {
        options.AddSubProtocol("janus");
        options.AddSubProtocol(Edge.EdgeHttp.KeyProtocol(Key));
    }

    private static async Task AssertMayPublishAsync(WsClient client)
    {
        await client.SubscribeAsync("t");
        await client.SendAsync("""{"action":"publish","topic":"t","event":"e","message_id":1,"data":"hi"}""");
        Assert.Contains("\"data\":\"hi\"", await client.ReceiveAsync(), StringComparison.Ordinal);
        Assert.Equal("ACK", await client.ReceiveAsync());
    }
}
