using Janus.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Extension methods on IServiceCollection live in its namespace, as Microsoft.Extensions' own do.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers a <see cref="JanusClient"/> in a service collection.</summary>
public static class JanusClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="JanusClient"/> (a singleton, disposed with the container) with its
    /// <see cref="JanusClientOptions"/> bound from <paramref name="configuration"/> (e.g. the <c>Janus:Client</c>
    /// section: <c>Host</c>, <c>Port</c>, <c>Reconnect:MaxDelay</c>, …), then adjusted by <paramref name="configure"/>.
    /// The client logs through the container's <see cref="ILoggerFactory"/> and connects on first use.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind the options from.</param>
    /// <param name="configure">Adjusts the options after binding; null for none.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddJanusClient(this IServiceCollection services, IConfiguration configuration, Action<JanusClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<JanusClientOptions>().Bind(configuration);
        return services.AddJanusClient(configure);
    }

    /// <summary>
    /// Registers one <see cref="JanusClient"/> (a singleton, disposed with the container) with its options set by
    /// <paramref name="configure"/>. The client logs through the container's <see cref="ILoggerFactory"/> and
    /// connects on first use.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddJanusClient(this IServiceCollection services, Action<JanusClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<JanusClientOptions> options = services.AddOptions<JanusClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(static provider =>
        {
            JanusClientOptions settings = provider.GetRequiredService<IOptions<JanusClientOptions>>().Value;
            settings.LoggerFactory ??= provider.GetService<ILoggerFactory>();
            return new JanusClient(settings);
        });
        return services;
    }
}
