using Janus.Server.Api;
using Janus.Server.Health;
using Janus.Server.Options;
using Janus.Server.Security;
using Janus.Server.Transports.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Janus.Server.Hosting;

/// <summary>Maps the HTTP side of Janus: <c>/ws</c>, <c>/api/*</c>, <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>.</summary>
public static class JanusWebEndpointRouteBuilderExtensions
{
    /// <summary>Maps the WebSocket endpoint at <c>/ws</c>.</summary>
    public static IEndpointRouteBuilder MapJanusWebSockets(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        WebSocketEndpoint webSocket = endpoints.ServiceProvider.GetRequiredService<WebSocketEndpoint>();
        endpoints.MapGet(WebSocketEndpoint.Path, (RequestDelegate)webSocket.HandleAsync);

        // Mapped: the HTTP listeners' connection middleware may now answer /ws upgrades itself.
        webSocket.IsMapped = true;
        return endpoints;
    }

    /// <summary>Maps <c>POST /api/publish</c>, <c>GET /api/topics</c>, <c>GET /api/stats</c> and <c>GET /api/stats/history</c>.</summary>
    public static IEndpointRouteBuilder MapJanusHttpApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        IServiceProvider services = endpoints.ServiceProvider;
        PublishEndpoint publish = services.GetRequiredService<PublishEndpoint>();
        StatsEndpoint stats = services.GetRequiredService<StatsEndpoint>();
        TopicsEndpoint topics = services.GetRequiredService<TopicsEndpoint>();
        endpoints.MapPost("/api/publish", (RequestDelegate)publish.HandleAsync);
        endpoints.MapGet("/api/topics", (RequestDelegate)topics.GetAsync).RequireJanusReadAccess();
        endpoints.MapGet("/api/history", (RequestDelegate)services.GetRequiredService<HistoryEndpoint>().GetAsync).RequireJanusReadAccess();
        endpoints.MapGet("/api/stats", (RequestDelegate)stats.GetStatsAsync).RequireJanusReadAccess();
        endpoints.MapGet("/api/stats/history", (RequestDelegate)stats.GetHistoryAsync).RequireJanusReadAccess();
        return endpoints;
    }

    /// <summary>
    /// Puts an endpoint behind <see cref="SecurityOptions.ReadAccess"/> (<see cref="ReadAccessGuard"/>): nothing changes
    /// while it is <c>Open</c>.
    /// </summary>
    public static TBuilder RequireJanusReadAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint =>
        {
            if (endpoint.RequestDelegate is { } inner)
            {
                endpoint.RequestDelegate = endpoint.ApplicationServices.GetRequiredService<ReadAccessGuard>().Guard(inner);
            }
        });
        return builder;
    }

    /// <summary>
    /// Maps <c>/metrics</c> (Prometheus text format), <c>/healthz</c> (live: the process answers; runs no check) and
    /// <c>/readyz</c> (ready: every check tagged <see cref="JanusWebServiceCollectionExtensions.ReadyTag"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapJanusObservability(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPrometheusScrapingEndpoint("/metrics").RequireJanusReadAccess();
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = static _ => false,
            ResponseWriter = HealthResponseWriter.WriteAsync,
        });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = static check => check.Tags.Contains(JanusWebServiceCollectionExtensions.ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        });
        return endpoints;
    }
}
