using System.Net;
using Janus.Testing;

namespace Janus.Web.Tests.Edge;

/// <summary>
/// Janus:Security:ReadAccess: the read-only endpoints behind a key (header only), for untrusted callers or for all;
/// health checks stay open for load balancers.
/// </summary>
public sealed class ReadAccessTests
{
    private const string ReadKey = "read-key-0123456789abcdef";
    private const string ApiKey = "api-key-0123456789abcdef";

    public static TheoryData<string> ReadEndpoints => ["/api/topics", "/api/stats", "/api/stats/history", "/api/history?topic=t", "/metrics"];

    private static Task<JanusTestServer> StartAsync(string access, string trusted) => JanusTestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Janus:Security:ReadAccess"] = access,
        ["Janus:Security:TrustedNetworks"] = trusted,
        ["Janus:Security:ReadKeys:0"] = ReadKey,
        ["Janus:Security:ApiKeys:0"] = ApiKey,
    });

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task Open_by_default(string path)
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Security:TrustedNetworks"] = string.Empty });

        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, path)).Status);
    }

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task An_untrusted_caller_needs_a_read_key_or_an_API_key_in_a_header(string path)
    {
        await using JanusTestServer server = await StartAsync("TrustedOrKey", string.Empty);

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.GetAsync(server, path));
        Assert.Equal((HttpStatusCode.Forbidden, "invalid_api_key"), await EdgeHttp.GetAsync(server, path, ("Authorization", "Bearer wrong-key-0123456789abcdef")));
        Assert.Equal((HttpStatusCode.Forbidden, "invalid_api_key"), await EdgeHttp.GetAsync(server, path, ("X-Api-Key", "wrong-key-0123456789abcdef")));
        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, path, ("Authorization", "Bearer " + ReadKey))).Status);
        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, path, ("X-Api-Key", ReadKey))).Status);
        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, path, ("Authorization", "Bearer " + ApiKey))).Status);
    }

    [Fact]
    public async Task A_trusted_caller_reads_without_a_key_unless_KeyOnly()
    {
        await using (JanusTestServer server = await StartAsync("TrustedOrKey", "127.0.0.0/8"))
        {
            Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, "/api/topics")).Status);
        }

        await using (JanusTestServer server = await StartAsync("KeyOnly", "127.0.0.0/8"))
        {
            Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.GetAsync(server, "/api/topics"));
            Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, "/api/topics", ("X-Api-Key", ReadKey))).Status);
        }
    }

    [Fact]
    public async Task A_read_key_may_not_publish()
    {
        await using JanusTestServer server = await StartAsync("KeyOnly", string.Empty);

        Assert.Equal((HttpStatusCode.Forbidden, "invalid_api_key"), await EdgeHttp.PublishAsync(server, ("Authorization", "Bearer " + ReadKey)));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/")]
    [InlineData("/janus.js")]
    public async Task Health_checks_and_the_dashboard_s_static_files_stay_open(string path)
    {
        await using JanusTestServer server = await StartAsync("KeyOnly", string.Empty);

        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, path)).Status);
    }

    [Fact]
    public async Task A_proxied_internet_client_is_not_trusted_for_reads()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:ReadAccess"] = "TrustedOrKey",
            ["Janus:Security:KnownProxies"] = "127.0.0.1",
        });

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_api_key"), await EdgeHttp.GetAsync(server, "/api/topics", ("X-Forwarded-For", "8.8.8.8")));
        Assert.Equal(HttpStatusCode.OK, (await EdgeHttp.GetAsync(server, "/api/topics")).Status);
    }
}
