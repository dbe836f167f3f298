using System.Net;
using System.Text.Json;
using Janus.Server.Hosting;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Janus.Web.Tests.Observability;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (every check tagged "ready").</summary>
public sealed class HealthTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(JanusTestServer server, string path)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative));
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }

    [Fact]
    public async Task A_running_server_is_live_and_ready()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();

        (HttpStatusCode live, JsonElement liveBody) = await GetAsync(server, "/healthz");
        (HttpStatusCode ready, JsonElement readyBody) = await GetAsync(server, "/readyz");

        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal("Healthy", liveBody.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("Healthy", readyBody.GetProperty("status").GetString());
        Assert.Equal("Healthy", readyBody.GetProperty("checks").GetProperty("janus").GetProperty("status").GetString());
        Assert.Equal("Healthy", readyBody.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_failing_check_tagged_ready_makes_readyz_503_but_not_healthz()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: services =>
            services.AddHealthChecks().AddCheck("engine", () => HealthCheckResult.Unhealthy("engine unreachable"), tags: [JanusWebServiceCollectionExtensions.ReadyTag]));

        (HttpStatusCode live, _) = await GetAsync(server, "/healthz");
        (HttpStatusCode ready, JsonElement body) = await GetAsync(server, "/readyz");

        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("engine unreachable", body.GetProperty("checks").GetProperty("engine").GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_server_that_is_shutting_down_is_not_ready()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        server.GetRequiredService<Janus.Server.Transports.ConnectionRegistry>().CloseAll(Janus.Protocol.ProtocolError.ServerShutdown, TimeSpan.FromSeconds(1));

        (HttpStatusCode ready, JsonElement body) = await GetAsync(server, "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("janus").GetProperty("status").GetString());
    }
}
