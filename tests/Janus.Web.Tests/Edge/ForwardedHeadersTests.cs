using System.Net;
using System.Net.Sockets;
using Janus.Testing;

namespace Janus.Web.Tests.Edge;

/// <summary>
/// Behind a reverse proxy: forwarded headers are believed only from Janus:Security:KnownProxies/KnownNetworks, and
/// then the client they name is the one every trust decision is about. The tests' loopback connection plays the
/// proxy; the forwarded address plays the internet client.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private static Task<JanusTestServer> StartAsync(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Janus:Security:TrustedNetworks"] = "127.0.0.0/8,::1/128,10.0.0.0/8" };
        foreach ((string key, string value) in settings)
        {
            all[key] = value;
        }

        return JanusTestServer.StartAsync(all);
    }

    [Fact]
    public async Task Regression_an_HTTP_publish_through_a_known_proxy_for_an_internet_client_is_refused()
    {
        // The row: loopback + X-Forwarded-For: 8.8.8.8 was 200, published (every client of a local proxy trusted).
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1"));

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "8.8.8.8")));
    }

    [Fact]
    public async Task Without_known_proxies_forwarded_headers_are_ignored_as_before()
    {
        await using JanusTestServer server = await StartAsync();

        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "8.8.8.8")));
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("Forwarded", "for=8.8.8.8")));
    }

    [Fact]
    public async Task A_client_that_writes_a_trusted_address_itself_is_still_judged_by_the_address_the_proxy_appended()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1"));

        // nginx's $proxy_add_x_forwarded_for appends the real address to whatever the client sent.
        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "127.0.0.1, 8.8.8.8")));
    }

    [Fact]
    public async Task A_forwarded_client_inside_the_trusted_networks_may_publish()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownNetworks", "127.0.0.0/8"));

        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "10.1.2.3")));
    }

    [Fact]
    public async Task A_chain_of_known_proxies_is_walked_back_to_the_first_address_that_is_not_one()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1,192.0.2.10"));

        // client 8.8.8.8 → CDN 192.0.2.10 → local proxy → Janus
        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "8.8.8.8, 192.0.2.10")));

        // client 10.9.9.9 (trusted) → CDN → local proxy
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "10.9.9.9, 192.0.2.10")));
    }

    [Fact]
    public async Task With_Forwarded_chosen_the_RFC_7239_header_names_the_client_and_X_Forwarded_For_is_ignored()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1"), ("Janus:Security:ForwardedHeader", "Forwarded"));

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("Forwarded", "for=8.8.8.8;proto=https")));
        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("Forwarded", "for=\"[2001:db8::1]:4711\"")));
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("Forwarded", "for=10.1.2.3")));

        // The client's own X-Forwarded-For (this proxy does not write one) is dropped: it cannot make itself trusted.
        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "10.1.2.3"), ("Forwarded", "for=8.8.8.8")));
    }

    [Fact]
    public async Task With_X_Forwarded_For_chosen_a_Forwarded_header_is_ignored()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1"));

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "8.8.8.8"), ("Forwarded", "for=10.1.2.3")));
    }

    [Fact]
    public async Task A_WebSocket_through_a_known_proxy_for_an_internet_client_may_not_publish()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1"));
        (string head, Socket socket) = await EdgeHttp.UpgradeAsync(server, $"127.0.0.1:{server.HttpEndPoint!.Port}", "X-Forwarded-For: 8.8.8.8\r\n");
        using (socket)
        {
            Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
            await EdgeHttp.ReceiveTextAsync(socket);
            await EdgeHttp.SendTextAsync(socket, """{"action":"publish","topic":"t","message_id":1}""");
            Assert.Contains("\"error\":\"publish_forbidden\"", await EdgeHttp.ReceiveTextAsync(socket), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_scheme_a_known_proxy_forwards_decides_the_server_s_own_origin()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Security:KnownProxies", "127.0.0.1"));
        string host = $"127.0.0.1:{server.HttpEndPoint!.Port}";

        // A page at https://host behind a TLS-terminating proxy: same origin once the proxy says the scheme was https.
        Assert.Equal((HttpStatusCode.OK, null), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "10.1.2.3"), ("X-Forwarded-Proto", "https"), ("Origin", "https://" + host)));
        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.PublishAsync(server, ("X-Forwarded-For", "10.1.2.3"), ("Origin", "https://" + host)));
    }
}
