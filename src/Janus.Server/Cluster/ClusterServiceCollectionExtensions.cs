using Janus.Server.Fanout;
using Janus.Server.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Janus.Server.Cluster;

/// <summary>Registers the Redis cluster when <c>Janus:Cluster:Redis</c> is set.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>The configuration key that turns clustering on.</summary>
    public const string RedisKey = JanusOptions.SectionName + ":Cluster:Redis";

    /// <summary>
    /// Validates the cluster settings and, if <c>Janus:Cluster:Redis</c> is set, registers the Redis cluster: it
    /// attaches itself to the fan-out engine as its forwarder and replaces the single-node status (readiness follows through the <c>cluster</c> health check,
    /// which reads <see cref="IClusterStatus"/>). Without it nothing of the cluster is registered and no Redis code
    /// runs. Call before Janus's own registrations (they yield to these).
    /// </summary>
    public static IServiceCollection AddJanusCluster(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JanusOptions>, ClusterOptionsValidator>());
        if (string.IsNullOrWhiteSpace(configuration[RedisKey]))
        {
            return services;
        }

        services.TryAddSingleton<RedisCluster>();
        services.TryAddSingleton<IClusterStatus>(static sp => sp.GetRequiredService<RedisCluster>());
        services.TryAddSingleton<ISharedHistory>(static sp => sp.GetRequiredService<RedisCluster>());
        services.AddHostedService(static sp => sp.GetRequiredService<RedisCluster>());
        return services;
    }
}
