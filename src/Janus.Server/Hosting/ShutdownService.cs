using Janus.Protocol;
using Janus.Server.Logging;
using Janus.Server.Options;
using Janus.Server.Transports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Hosting;

/// <summary>
/// Graceful shutdown on SIGTERM / Ctrl-C. When the host starts stopping (before Kestrel stops its listeners and
/// waits for connections) every connection is asked to send what it has queued and close; each gets
/// <see cref="ShutdownOptions.DrainTimeout"/> before the heartbeat sweep aborts it, so Kestrel's wait is bounded.
/// </summary>
public sealed class ShutdownService : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ConnectionRegistry _connections;
    private readonly ILogger<ShutdownService> _logger;
    private readonly TimeSpan _drainTimeout;
    private CancellationTokenRegistration _registration;

    /// <summary>Creates the service.</summary>
    public ShutdownService(IHostApplicationLifetime lifetime, ConnectionRegistry connections, IOptions<JanusOptions> options, ILogger<ShutdownService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _lifetime = lifetime;
        _connections = connections;
        _logger = logger;
        _drainTimeout = options.Value.Shutdown.DrainTimeout;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _lifetime.ApplicationStopping.Register(static state => ((ShutdownService)state!).Drain(), this);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private void Drain()
    {
        Log.ShutdownDraining(_logger, _connections.Count, _drainTimeout);
        _connections.CloseAll(ProtocolError.ServerShutdown, _drainTimeout);
    }
}
