using Janus.Server.Api;
using Janus.Server.Health;
using Janus.Server.Metrics;
using Janus.Server.Security;
using Janus.Server.Transports.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Janus.Server.Hosting;

/// <summary>Registers the HTTP side of Janus: the WebSocket endpoint, the HTTP API, metrics export and health checks.</summary>
public static class JanusWebServiceCollectionExtensions
{
    /// <summary>The health-check tag <c>/readyz</c> runs. Tag a check with it to make readiness depend on it.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Registers the WebSocket endpoint (<c>/ws</c>).</summary>
    public static IServiceCollection AddJanusWebSockets(this IServiceCollection services)
    {
        services.TryAddSingleton<ApiKeys>();
        services.TryAddSingleton<WebSocketEndpoint>();
        return services;
    }

    /// <summary>Registers the HTTP API (<c>/api/*</c>) and the stats sampler behind it.</summary>
    public static IServiceCollection AddJanusHttpApi(this IServiceCollection services)
    {
        services.TryAddSingleton<ApiKeys>();
        services.TryAddSingleton<FanoutLatency>();
        services.TryAddSingleton<StatsSampler>();
        services.AddHostedService(static sp => sp.GetRequiredService<StatsSampler>());
        services.TryAddSingleton<PublishEndpoint>();
        services.TryAddSingleton<StatsEndpoint>();
        services.TryAddSingleton<TopicsEndpoint>();
        services.TryAddSingleton<HistoryEndpoint>();
        return services;
    }

    /// <summary>
    /// Registers the Prometheus exporter (OpenTelemetry, for the <c>Janus</c> and <c>System.Runtime</c> meters) and
    /// the health checks: <c>janus</c> (accepting connections) and <c>cluster</c>, both tagged
    /// <see cref="ReadyTag"/>.
    /// </summary>
    public static IServiceCollection AddJanusObservability(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(static resource => resource.AddService("janus"))
            .WithMetrics(static metrics => metrics
                .AddMeter(JanusMetrics.MeterName, "System.Runtime")
                .AddPrometheusExporter(static prometheus =>
                {
                    // Every scrape reads the counters afresh: a cached answer would hide a change just made.
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;

                    // Every series already starts with janus_; a scope label on each would only add bytes.
                    prometheus.ScopeInfoEnabled = false;
                }));
        services.AddHealthChecks()
            .AddCheck<AcceptingHealthCheck>("janus", tags: [ReadyTag])
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);
        return services;
    }
}
