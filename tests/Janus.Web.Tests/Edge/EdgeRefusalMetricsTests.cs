using System.Net;
using Janus.Testing;
using Janus.Web.Tests.Observability;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.Edge;

/// <summary><c>janus_http_refused_total</c> counts each edge refusal by reason.</summary>
[Collection(ProcessWideMetersCollection.Name)]
public sealed class EdgeRefusalMetricsTests
{
    [Fact]
    public async Task Each_refusal_is_counted_by_its_reason()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:AllowedHosts"] = "127.0.0.1",
            ["Janus:Security:AllowedOrigins"] = "https://app.example",
            ["Janus:Security:ReadAccess"] = "TrustedOrKey",
            ["Janus:Security:TrustedNetworks"] = string.Empty,
            ["Janus:Security:ReadKeys:0"] = "read-key-0123456789abcdef",
        });
        int port = server.HttpEndPoint!.Port;

        Assert.Equal(HttpStatusCode.BadRequest, (await EdgeHttp.GetAsync(server, "/api/stats", ("Host", $"evil.example:{port}"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await EdgeHttp.PublishAsync(server, ("Host", $"evil.example:{port}"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await EdgeHttp.PublishAsync(server, ("Origin", "http://evil.example"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await EdgeHttp.GetAsync(server, "/api/topics")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await EdgeHttp.GetAsync(server, "/api/topics", ("X-Api-Key", "wrong-key-0123456789abcdef"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await EdgeHttp.GetAsync(server, "/api/stats?key=read-key-0123456789abcdef")).Status);

        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", "read-key-0123456789abcdef");
        PrometheusText metrics = PrometheusText.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        Assert.Equal("counter", metrics.Types["janus_http_refused_total"]);
        Assert.Equal(2, metrics.Series["janus_http_refused_total{reason=\"host_not_allowed\"}"]);
        Assert.Equal(1, metrics.Series["janus_http_refused_total{reason=\"origin_not_allowed\"}"]);
        Assert.Equal(1, metrics.Series["janus_http_refused_total{reason=\"missing_api_key\"}"]);
        Assert.Equal(1, metrics.Series["janus_http_refused_total{reason=\"invalid_api_key\"}"]);
        Assert.Equal(1, metrics.Series["janus_http_refused_total{reason=\"secret_in_url\"}"]);
    }
}
