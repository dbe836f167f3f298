using System.Net;
using System.Net.Sockets;
using Janus.Testing;

namespace Janus.Web.Tests.Edge;

/// <summary>
/// Janus:Security:AllowedOrigins and AllowedHosts: a DNS rebinding page (foreign Host, matching Origin) does not
/// publish on the machine's trust, a foreign origin is refused when a list is configured, and a foreign Host when
/// host names are. Clients without Origin (not browsers) are not affected.
/// </summary>
public sealed class OriginAndHostTests
{
    private static Task<JanusTestServer> StartAsync(params (string Key, string Value)[] settings) =>
        JanusTestServer.StartAsync(settings.ToDictionary(s => s.Key, s => (string?)s.Value));

    private static async Task<string> PublishOverWebSocketAsync(JanusTestServer server, string host, string origin)
    {
        (string head, Socket socket) = await EdgeHttp.UpgradeAsync(server, host, $"Origin: {origin}\r\n");
        using (socket)
        {
            Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
            await EdgeHttp.ReceiveTextAsync(socket);
            await EdgeHttp.SendTextAsync(socket, """{"action":"subscribe","data":"t"}""");
            Assert.Equal("ACK", await EdgeHttp.ReceiveTextAsync(socket));
            await EdgeHttp.SendTextAsync(socket, """{"action":"publish","topic":"t","event":"e","message_id":1,"data":"hi"}""");
            return await EdgeHttp.ReceiveTextAsync(socket);
        }
    }

    [Fact]
    public async Task Regression_a_DNS_rebinding_page_on_loopback_connects_but_its_publish_is_refused()
    {
        // The row: Host evil.example:PORT with Origin http://evil.example:PORT was accepted and its publish delivered.
        await using JanusTestServer server = await StartAsync();
        int port = server.HttpEndPoint!.Port;

        string answer = await PublishOverWebSocketAsync(server, $"evil.example:{port}", $"http://evil.example:{port}");

        Assert.Contains("\"error\":\"publish_forbidden\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_s_own_page_on_an_IP_address_or_localhost_still_publishes_on_trust()
    {
        await using JanusTestServer server = await StartAsync();
        int port = server.HttpEndPoint!.Port;

        Assert.Contains("\"data\":\"hi\"", await PublishOverWebSocketAsync(server, $"127.0.0.1:{port}", $"http://127.0.0.1:{port}"), StringComparison.Ordinal);
        Assert.Contains("\"data\":\"hi\"", await PublishOverWebSocketAsync(server, $"localhost:{port}", $"http://localhost:{port}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_name_in_AllowedHosts_is_the_server_s_own_and_publishes_on_trust()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:AllowedHosts", "janus.example,127.0.0.1"));
        int port = server.HttpEndPoint!.Port;

        Assert.Contains("\"data\":\"hi\"", await PublishOverWebSocketAsync(server, $"janus.example:{port}", $"http://janus.example:{port}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_origin_is_not_the_origin_of_an_http_server()
    {
        await using JanusTestServer server = await StartAsync();
        int port = server.HttpEndPoint!.Port;

        Assert.Contains("\"error\":\"publish_forbidden\"", await PublishOverWebSocketAsync(server, $"127.0.0.1:{port}", $"https://127.0.0.1:{port}"), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("Origin", $"https://127.0.0.1:{port}")));
    }

    [Fact]
    public async Task A_rebinding_page_s_HTTP_publish_is_refused_and_a_client_without_Origin_is_not_affected()
    {
        await using JanusTestServer server = await StartAsync();
        int port = server.HttpEndPoint!.Port;

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("Host", $"evil.example:{port}"), ("Origin", $"http://evil.example:{port}")));
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("Host", $"evil.example:{port}")));
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("Origin", $"http://127.0.0.1:{port}")));
    }

    [Fact]
    public async Task A_foreign_Host_is_refused_with_400_when_AllowedHosts_is_set()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:AllowedHosts", "localhost,127.0.0.1"));
        int port = server.HttpEndPoint!.Port;

        Assert.Equal((HttpStatusCode.BadRequest, "host_not_allowed"), await EdgeHttp.PublishAsync(server, ("Host", $"evil.example:{port}")));
        Assert.Equal((HttpStatusCode.BadRequest, "host_not_allowed"), await EdgeHttp.GetAsync(server, "/api/stats", ("Host", $"evil.example:{port}")));
        (string head, Socket socket) = await EdgeHttp.UpgradeAsync(server, $"evil.example:{port}", $"Origin: http://evil.example:{port}\r\n");
        socket.Dispose();
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);

        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("Host", $"localhost:{port}")));
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.GetAsync(server, "/api/stats"));
    }

    [Fact]
    public async Task With_AllowedOrigins_set_another_origin_is_refused_at_the_upgrade_and_at_publish()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:AllowedOrigins", "https://app.example"));
        int port = server.HttpEndPoint!.Port;
        string host = $"127.0.0.1:{port}";

        (string head, Socket socket) = await EdgeHttp.UpgradeAsync(server, host, $"Origin: http://evil.example:{port}\r\n");
        socket.Dispose();
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);

        // Even the server's own address is not an origin the list names.
        (head, socket) = await EdgeHttp.UpgradeAsync(server, host, $"Origin: http://{host}\r\n");
        socket.Dispose();
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);

        Assert.Equal((HttpStatusCode.Forbidden, "origin_not_allowed"), await EdgeHttp.PublishAsync(server, ("Origin", $"http://evil.example:{port}")));
        Assert.Equal((HttpStatusCode.Forbidden, "origin_not_allowed"), await EdgeHttp.PublishAsync(server, ("Origin", "null")));
    }

    [Fact]
    public async Task A_listed_origin_connects_and_publishes_on_trust_and_clients_without_Origin_are_not_affected()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:AllowedOrigins", "https://app.example, http://app.example:8080"));
        int port = server.HttpEndPoint!.Port;
        string host = $"127.0.0.1:{port}";

        Assert.Contains("\"data\":\"hi\"", await PublishOverWebSocketAsync(server, host, "https://app.example"), StringComparison.Ordinal);
        Assert.Contains("\"data\":\"hi\"", await PublishOverWebSocketAsync(server, host, "https://app.example:443"), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("Origin", "http://app.example:8080")));
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server));
    }
}
