using Janus.Server.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Hosting;

/// <summary>Logs where Janus listens once Kestrel has bound its ports.</summary>
internal sealed class StartupLogService : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly JanusEndpoints _endpoints;
    private readonly ILogger<StartupLogService> _logger;
    private CancellationTokenRegistration _registration;

    public StartupLogService(IHostApplicationLifetime lifetime, JanusEndpoints endpoints, ILogger<StartupLogService> logger)
    {
        _lifetime = lifetime;
        _endpoints = endpoints;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _lifetime.ApplicationStarted.Register(static state => ((StartupLogService)state!).LogEndpoints(), this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private void LogEndpoints()
    {
        if (_endpoints.Tcp is { } tcp)
        {
            Log.TcpListening(_logger, tcp);
        }

        if (_endpoints.Http is { } http)
        {
            Log.HttpListening(_logger, http);
        }
    }
}
