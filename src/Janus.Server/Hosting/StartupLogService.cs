using Janus.Server.Logging;
using Janus.Server.Options;
using Janus.Server.Transports.Epoll;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Hosting;

/// <summary>Logs where Janus listens once Kestrel has bound its ports.</summary>
internal sealed class StartupLogService : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly JanusEndpoints _endpoints;
    private readonly ILogger<StartupLogService> _logger;
    private readonly TcpTransport _transport;
    private CancellationTokenRegistration _registration;

    public StartupLogService(IHostApplicationLifetime lifetime, JanusEndpoints endpoints, IOptions<JanusOptions> options, ILogger<StartupLogService> logger)
    {
        _lifetime = lifetime;
        _endpoints = endpoints;
        _transport = options.Value.Tcp.Transport;
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
            if (_transport == TcpTransport.Epoll && tcp is not EpollEndPoint)
            {
                Log.EpollUnavailable(_logger);
            }
        }

        if (_endpoints.Http is { } http)
        {
            Log.HttpListening(_logger, http);
        }
    }
}
