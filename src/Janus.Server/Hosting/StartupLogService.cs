using System.Reflection;
using System.Runtime.CompilerServices;
using Janus.Server.Logging;
using Janus.Server.Options;
using Janus.Server.Transports.Epoll;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Hosting;

/// <summary>
/// Logs, once Kestrel has bound its ports, what each port speaks (<c>janus-tcp://</c>, <c>http://</c>, <c>ws://…/ws</c>,
/// and over TLS <c>janus-tcps://</c>, <c>https://</c>, <c>wss://…/ws</c>:
/// Kestrel's own "Now listening on: http://…" would call the TCP protocol port HTTP), and warns when the open-file
/// limit is below what <see cref="LimitsOptions.ExpectedConnections"/> needs.
/// </summary>
internal sealed class StartupLogService : IHostedService
{
    /// <summary>Descriptors that are not client connections (<see cref="OpenFileLimit.ReservedDescriptors"/>).</summary>
    internal const int ReservedFileDescriptors = OpenFileLimit.ReservedDescriptors;

    private readonly IHostApplicationLifetime _lifetime;
    private readonly JanusEndpoints _endpoints;
    private readonly ILogger<StartupLogService> _logger;
    private readonly JanusOptions _options;
    private CancellationTokenRegistration _registration;

    public StartupLogService(IHostApplicationLifetime lifetime, JanusEndpoints endpoints, IOptions<JanusOptions> options, ILogger<StartupLogService> logger)
    {
        _lifetime = lifetime;
        _endpoints = endpoints;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The informational version (<c>1.0.0+&lt;commit&gt;</c> when built from git).</summary>
    internal static string Version =>
        (Assembly.GetEntryAssembly() ?? typeof(StartupLogService).Assembly).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = _lifetime.ApplicationStarted.Register(static state => ((StartupLogService)state!).LogStarted(), this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    private void LogStarted()
    {
        if (_endpoints.Tcp is { } tcp)
        {
            Log.TcpListening(_logger, "janus-tcp://" + tcp);
            if (_options.Tcp.Transport == TcpTransport.Epoll && tcp is not EpollEndPoint)
            {
                Log.EpollUnavailable(_logger);
            }
        }

        if (_endpoints.FlashPolicy is { } flash)
        {
            Log.FlashPolicyListening(_logger, "flash-policy://" + flash);
        }

        if (_endpoints.Http is { } http)
        {
            Log.HttpListening(_logger, "http://" + http, "ws://" + http + "/ws");
        }

        if (_endpoints.TcpTls is { } tcps)
        {
            Log.TcpListening(_logger, "janus-tcps://" + tcps);
        }

        if (_endpoints.Https is { } https)
        {
            Log.HttpListening(_logger, "https://" + https, "wss://" + https + "/ws");
        }

        (ulong Soft, ulong Hard)? limits = OpenFileLimit.Read();
        string runtime = RuntimeFeature.IsDynamicCodeSupported ? $".NET {Environment.Version}" : $".NET {Environment.Version} native AOT";
        Log.Started(_logger, Version, Environment.ProcessId, runtime, limits is { } l ? l.Soft.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown");
        if (limits is { } known && NeedsMoreFiles(known.Soft, _options.Limits.ExpectedConnections, out long needed))
        {
            Log.OpenFileLimitLow(_logger, known.Soft, needed, _options.Limits.ExpectedConnections);
        }
    }

    /// <summary>Whether <paramref name="softLimit"/> is below what <paramref name="expectedConnections"/> need.</summary>
    internal static bool NeedsMoreFiles(ulong softLimit, int expectedConnections, out long needed)
    {
        needed = (long)expectedConnections + ReservedFileDescriptors;
        return expectedConnections > 0 && softLimit < (ulong)needed;
    }
}
