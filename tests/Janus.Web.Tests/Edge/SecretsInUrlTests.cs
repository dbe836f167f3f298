using System.Net;
using System.Net.WebSockets;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.Edge;

/// <summary>
/// Keys never travel in a URL (URLs are logged): <c>?key=</c> and its kin are refused everywhere, and a browser's
/// WebSocket carries its key as the <c>janus-key.</c> subprotocol, which the server does not echo.
/// </summary>
public sealed class SecretsInUrlTests
{
    private const string Key = "test-key-0123456789abcdef";

    [Theory]
    [InlineData("/ws?key=" + Key)]
    [InlineData("/?key=" + Key)]
    [InlineData("/api/stats?api_key=" + Key)]
    [InlineData("/api/topics?access_token=" + Key)]
    [InlineData("/metrics?token=" + Key)]
    public async Task A_secret_in_the_query_is_refused_with_400(string path)
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Security:ApiKeys:0"] = Key });

        Assert.Equal((HttpStatusCode.BadRequest, "secret_in_url"), await EdgeHttp.GetAsync(server, path));
    }

    [Fact]
    public async Task A_WebSocket_key_in_the_subprotocol_lets_an_untrusted_client_publish_and_is_not_echoed()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:TrustedNetworks"] = string.Empty,
            ["Janus:Security:ApiKeys:0"] = Key,
        });
        await using WsClient client = await WsClient.ConnectAsync(server, configure: options =>
        {
            options.AddSubProtocol("janus");
            options.AddSubProtocol(EdgeHttp.KeyProtocol(Key));
        });

        Assert.Equal("janus", client.Socket.SubProtocol);
        await client.SubscribeAsync("t");
        await client.SendAsync("""{"action":"publish","topic":"t","event":"e","message_id":1,"data":"hi"}""");
        Assert.Contains("\"data\":\"hi\"", await client.ReceiveAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-key-0123456789abcdef")]
    [InlineData(null)]
    public async Task A_wrong_or_undecodable_key_in_the_subprotocol_is_refused_with_403(string? key)
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:TrustedNetworks"] = string.Empty,
            ["Janus:Security:ApiKeys:0"] = Key,
        });
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("janus");
        socket.Options.AddSubProtocol(key is null ? "janus-key.!!!" : EdgeHttp.KeyProtocol(key));

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsClient.Address(server), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }
}
