using Janus.Server.Logging;
using Janus.Server.Metrics;
using Janus.Server.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Hosting;

/// <summary>Registers the HTTP edge: forwarded headers, host and origin checks, read access, and log scrubbing.</summary>
public static class JanusEdgeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the edge's services and its place at the front of the HTTP pipeline, and wraps the logger factory
    /// so that no framework log line carries a secret from a URL.
    /// </summary>
    public static IServiceCollection AddJanusEdge(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<ApiKeys>();
        services.TryAddSingleton<TrustedNetworks>();
        services.TryAddSingleton<AllowedHosts>();
        services.TryAddSingleton<KnownProxyList>();
        services.TryAddSingleton<OriginPolicy>();
        services.TryAddSingleton<ReadKeys>();
        services.TryAddSingleton<HttpRefusals>();
        services.TryAddSingleton<ReadAccessGuard>();
        services.TryAddSingleton<EdgeMiddleware>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, JanusEdgeStartupFilter>());
        if (!services.Any(static d => d.ServiceType == typeof(ILoggerFactory) && d.ImplementationFactory?.Method.DeclaringType == typeof(JanusEdgeServiceCollectionExtensions)))
        {
            services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(CreateLoggerFactory));
        }

        return services;
    }

    private static SecretScrubbingLoggerFactory CreateLoggerFactory(IServiceProvider services) => new(new LoggerFactory(
        services.GetServices<ILoggerProvider>(),
        services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
        services.GetService<IOptions<LoggerFactoryOptions>>(),
        services.GetService<IExternalScopeProvider>()));
}
