using Janus.Server.Hosting;
using Janus.Server.Options;
using Janus.Server.Transports;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Janus.Server.Health;

/// <summary>Ready when the host has started, its listeners are bound and it is not shutting down.</summary>
public sealed class AcceptingHealthCheck : IHealthCheck
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ConnectionRegistry _connections;
    private readonly JanusEndpoints _endpoints;
    private readonly JanusOptions _options;

    /// <summary>Creates the check.</summary>
    public AcceptingHealthCheck(IHostApplicationLifetime lifetime, ConnectionRegistry connections, JanusEndpoints endpoints, IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _lifetime = lifetime;
        _connections = connections;
        _endpoints = endpoints;
        _options = options.Value;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        HealthCheckResult result;
        if (_connections.IsStopping || _lifetime.ApplicationStopping.IsCancellationRequested)
        {
            result = HealthCheckResult.Unhealthy("shutting down: connections are being drained");
        }
        else if (!_lifetime.ApplicationStarted.IsCancellationRequested)
        {
            result = HealthCheckResult.Unhealthy("starting");
        }
        else if (_options.Tcp.Enabled && _endpoints.Tcp is null)
        {
            result = HealthCheckResult.Unhealthy("the TCP protocol listener is not bound");
        }
        else if (_options.Tls.TcpPort is not null && _endpoints.TcpTls is null)
        {
            result = HealthCheckResult.Unhealthy("the TCP protocol's TLS listener is not bound");
        }
        else
        {
            result = HealthCheckResult.Healthy($"accepting connections ({_connections.Count} open)");
        }

        return Task.FromResult(result);
    }
}
