using System.Net;
using Janus.Server.Cluster;
using Janus.Server.Fanout;
using Janus.Server.Heartbeat;
using Janus.Server.Limits;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Janus.Server.Publishing;
using Janus.Server.Security;
using Janus.Server.Sessions;
using Janus.Server.Transports;
using Janus.Server.Transports.Epoll;
using Janus.Server.Transports.Tcp;
using Janus.Server.Transports.Tls;
using Janus.Server.Transports.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Janus.Server.Hosting;

/// <summary>Wires Janus into an ASP.NET Core host: configuration, services and Kestrel listeners.</summary>
public static class JanusHostingExtensions
{
    /// <summary>Short command-line switches for the settings people change most.</summary>
    public static readonly IDictionary<string, string> SwitchMappings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--port"] = "Janus:Tcp:Port",
        ["--tcp-port"] = "Janus:Tcp:Port",
        ["--http-port"] = "Janus:Http:Port",
        ["--bind"] = "Janus:Tcp:Address",
        ["--http-bind"] = "Janus:Http:Address",
    };

    /// <summary>
    /// Adds Janus: reads the <c>Janus</c> configuration section (with <c>JANUS_</c> environment variables and short
    /// command-line switches), registers the fan-out engine, sessions and transports, and has Kestrel listen on the
    /// TCP protocol port and the HTTP port.
    /// </summary>
    public static WebApplicationBuilder AddJanus(this WebApplicationBuilder builder, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddConfiguration(builder.Configuration, args);
        builder.Services.AddJanusCore(builder.Configuration);
        builder.Services.Configure<HostOptions>(host =>
        {
            // Kestrel's own backstop for draining connections; ours (DrainTimeout, then abort) comes first.
            host.ShutdownTimeout = TimeSpan.FromSeconds(30);
        });

        JanusOptions options = ReadOptions(builder.Configuration);
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.NoDelay = true;
            sockets.Backlog = options.Tcp.Backlog;
            sockets.UnsafePreferInlineScheduling = options.Tcp.InlineScheduling;
            sockets.MaxReadBufferSize = options.Limits.TransportReadBufferBytes;
        });

        // After the socket transport: Kestrel asks the factories last-registered first, and this one takes only
        // EpollEndPoints (the TCP port and, by default, the HTTP ports: see ListenTcp and ListenHttp below), so every
        // other port still gets Kestrel's sockets.
        builder.Services.TryAddSingleton<EpollTransportFactory>();
        builder.Services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<EpollTransportFactory>());
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            JanusOptions current = ReadOptions(context.Configuration);

            // Kestrel asks for its listeners while the app is built, before ValidateOnStart runs: without this a bad
            // address or port surfaced as a FormatException from deep inside Kestrel instead of the validator's message.
            ValidateOptionsResult validation = new JanusOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, current);
            if (validation.Failed)
            {
                throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(JanusOptions), validation.Failures);
            }

            JanusEndpoints endpoints = kestrel.ApplicationServices.GetRequiredService<JanusEndpoints>();
            if (current.Tcp.Enabled)
            {
                ListenTcp(kestrel, current.Tcp, current.Tcp.Port, inline: true, listen =>
                {
                    if (current.Tcp.ProxyProtocol)
                    {
                        // First of all: the PROXY header comes before anything else on the connection.
                        listen.Use(next => ActivatorUtilities.CreateInstance<ProxyProtocolMiddleware>(listen.ApplicationServices, next).InvokeAsync);
                    }

                    listen.UseConnectionHandler<TcpConnectionHandler>();
                    endpoints.TcpListen = listen;
                });
            }

            // Loaded here, while the host is built, so that a certificate that does not load stops the start with its reason.
            TlsCertificateSource? certificates = current.Tls.Enabled ? kestrel.ApplicationServices.GetRequiredService<TlsCertificateSource>() : null;
            if (certificates is not null && current.Tls.TcpPort is int tcpsPort)
            {
                // The same transport as the plain port: Kestrel's TLS middleware runs over any connection, epoll's included.
                ListenTcp(kestrel, current.Tcp, tcpsPort, inline: false, listen =>
                {
                    listen.UseJanusTcpTls(certificates, current.Tls.HandshakeTimeout);
                    listen.UseConnectionHandler<TcpConnectionHandler>();
                    endpoints.TcpTlsListen = listen;
                });
            }

            if (current.FlashPolicy.Enabled && current.FlashPolicy.Port != 0)
            {
                Listen(kestrel, current.Tcp.Address, current.FlashPolicy.Port, listen =>
                {
                    listen.UseConnectionHandler<FlashPolicyConnectionHandler>();
                    endpoints.FlashPolicyListen = listen;
                });
            }

            if (current.Http.Enabled)
            {
                ListenHttp(kestrel, current, current.Http.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    UseWebSocketUpgrade(listen, kestrel.Limits);
                    endpoints.HttpListen = listen;
                });
            }

            if (certificates is not null && current.Tls.HttpsPort is int httpsPort)
            {
                ListenHttp(kestrel, current, httpsPort, listen =>
                {
                    listen.UseJanusHttpsTls(certificates, current.Tls.HandshakeTimeout);

                    // After TLS, so that wss:// upgrades take the direct path too.
                    UseWebSocketUpgrade(listen, kestrel.Limits);
                    endpoints.HttpsListen = listen;
                });
            }
        });
        return builder;
    }

    /// <summary>Registers Janus's services (without listeners), for hosts that wire Kestrel themselves.</summary>
    public static IServiceCollection AddJanusCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JanusOptions>().Bind(configuration.GetSection(JanusOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JanusOptions>, JanusOptionsValidator>();
        // First, so that a configured cluster's publisher and status win over the single-node defaults below.
        services.AddJanusCluster(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp => new JanusMetrics(sp.GetRequiredService<TimeProvider>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<JanusClock>();
        services.TryAddSingleton<MemoryReclaimer>();
        services.TryAddSingleton(sp =>
        {
            JanusOptions janus = sp.GetRequiredService<IOptions<JanusOptions>>().Value;
            return new TopicRegistry(CreateHistoryPolicy(janus.History), sp.GetRequiredService<TimeProvider>(), janus.Limits.MaxTopics);
        });
        services.TryAddSingleton<IFanoutObserver>(static sp => sp.GetRequiredService<JanusMetrics>());
        services.TryAddSingleton<FanoutEngine>();
        services.TryAddSingleton<Publisher>();
        services.TryAddSingleton(sp => new SessionRegistry(
            sp.GetRequiredService<TopicRegistry>(),
            sp.GetRequiredService<JanusClock>(),
            sp.GetRequiredService<JanusMetrics>(),
            sp.GetRequiredService<IOptions<JanusOptions>>().Value.Sessions.Grace,
            sp.GetRequiredService<SubscribeAuthorizer>()));
        services.TryAddSingleton(sp =>
        {
            LimitsOptions limits = sp.GetRequiredService<IOptions<JanusOptions>>().Value.Limits;
            return new SessionCommands(sp.GetRequiredService<SessionRegistry>(), sp.GetRequiredService<Publisher>(), sp.GetRequiredService<JanusMetrics>(), limits.MaxSubscriptionsPerConnection, limits.MaxTopicLength, sp.GetService<ISharedHistory>(), sp.GetRequiredService<TokenValidator>());
        });
        services.TryAddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<TrustedNetworks>();
        services.TryAddSingleton<ConnectionLimiter>();
        services.TryAddSingleton<SubscribeAuthorizer>();
        services.TryAddSingleton<TokenValidator>();
        services.TryAddSingleton(sp => new SendScheduler(sp.GetRequiredService<IOptions<JanusOptions>>().Value.Tcp.SendThreads));
        services.TryAddSingleton<ConnectionServices>();
        services.TryAddSingleton<JanusEndpoints>();
        services.TryAddSingleton<TlsCertificateSource>();
        services.TryAddSingleton<IClusterStatus, SingleNodeStatus>();
        services.AddHostedService<HeartbeatService>();
        services.AddHostedService<ShutdownService>();
        services.AddHostedService<StartupLogService>();
        services.AddJanusWebSockets();
        services.AddJanusHttpApi();
        services.AddJanusObservability();
        services.AddJanusEdge();
        return services;
    }

    /// <summary>
    /// Adds <c>JANUS_</c> environment variables (above appsettings and plain environment variables, below the
    /// command line) and the short command-line switches.
    /// </summary>
    /// <param name="configuration">The builder to add to.</param>
    /// <param name="args">The command line.</param>
    /// <param name="environment">The environment to read <c>JANUS_</c> variables from; the process's when null.</param>
    public static void AddConfiguration(IConfigurationBuilder configuration, string[]? args, System.Collections.IDictionary? environment = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var janusEnvironment = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = JanusEnvironmentVariables.Read(environment),
        };

        // The last command-line source: a web builder given args has two, one in the host configuration ahead of
        // appsettings.json and one for the app at the end. Going in before the first put JANUS_ variables under
        // appsettings.json, so any argument on the command line made them silently ineffective.
        int commandLine = -1;
        for (int i = configuration.Sources.Count - 1; i >= 0; i--)
        {
            if (configuration.Sources[i] is CommandLineConfigurationSource)
            {
                commandLine = i;
                break;
            }
        }

        if (commandLine >= 0)
        {
            configuration.Sources.Insert(commandLine, janusEnvironment);
        }
        else
        {
            configuration.Sources.Add(janusEnvironment);
        }

        if (args is { Length: > 0 })
        {
            configuration.AddCommandLine(args, SwitchMappings);
        }
    }

    private static JanusOptions ReadOptions(IConfiguration configuration)
    {
        var options = new JanusOptions();
        configuration.GetSection(JanusOptions.SectionName).Bind(options);
        return options;
    }

    /// <summary>
    /// The address for a listener that binds one socket: <c>*</c> is IPv6-any (bound dual-stack by the epoll
    /// transport), except for port 0, where it is IPv4-any for either transport (Kestrel's "any" with port 0 would
    /// bind IPv4 and IPv6 to two different ports; loopback-only tests pass an address).
    /// </summary>
    private static IPAddress ParseAddress(string address, int port) =>
        address == "*" ? (port == 0 ? IPAddress.Any : IPAddress.IPv6Any) : IPAddress.Parse(address);

    /// <summary>
    /// A TCP protocol port: on the epoll transport where it runs, otherwise on Kestrel's sockets. An
    /// <paramref name="inline"/> port's connections are served on their event loop's thread with the application its
    /// listen options build (see <see cref="EpollListener"/>); the TLS port's go through Kestrel's dispatch, so that a
    /// handshake never holds a loop.
    /// </summary>
    private static void ListenTcp(KestrelServerOptions kestrel, TcpOptions tcp, int port, bool inline, Action<ListenOptions> configure)
    {
        if (tcp.Transport == TcpTransport.Epoll && EpollTransportFactory.IsSupported)
        {
            var endPoint = new EpollEndPoint(ParseAddress(tcp.Address, port), port, tcp.Backlog);
            kestrel.Listen(endPoint, listen =>
            {
                configure(listen);
                if (inline)
                {
                    endPoint.InlineApplication = listen.Build();
                }
            });
        }
        else
        {
            Listen(kestrel, tcp.Address, port, configure);
        }
    }

    /// <summary>
    /// An HTTP port: on the epoll transport where <see cref="HttpOptions.Transport"/> asks for it and it runs (Kestrel's
    /// HTTP runs over any transport), otherwise on Kestrel's sockets.
    /// </summary>
    private static void ListenHttp(KestrelServerOptions kestrel, JanusOptions options, int port, Action<ListenOptions> configure)
    {
        if (options.Http.Transport == TcpTransport.Epoll && EpollTransportFactory.IsSupported)
        {
            kestrel.Listen(new EpollEndPoint(ParseAddress(options.Http.Address, port), port, options.Tcp.Backlog), configure);
        }
        else
        {
            Listen(kestrel, options.Http.Address, port, configure);
        }
    }

    /// <summary>WebSocket upgrades of <c>/ws</c> answered on the connection itself (<see cref="WebSocketUpgradeMiddleware"/>).</summary>
    private static void UseWebSocketUpgrade(ListenOptions listen, KestrelServerLimits limits) =>
        listen.Use(next => ActivatorUtilities.CreateInstance<WebSocketUpgradeMiddleware>(listen.ApplicationServices, next, limits).InvokeAsync);

    private static void Listen(KestrelServerOptions kestrel, string address, int port, Action<ListenOptions> configure)
    {
        if (address == "*" && port != 0)
        {
            // Kestrel's "any": IPv6 dual-stack, or IPv4 where the host has no IPv6.
            kestrel.ListenAnyIP(port, configure);
        }
        else
        {
            kestrel.Listen(ParseAddress(address, port), port, configure);
        }
    }

    private static HistoryPolicy CreateHistoryPolicy(HistoryOptions options)
    {
        var rules = new List<(string Prefix, int Size, TimeSpan Ttl)>(options.Rules.Count);
        foreach (HistoryRule rule in options.Rules)
        {
            rules.Add((rule.Prefix, rule.Size ?? options.Size, rule.Ttl ?? options.Ttl));
        }

        return new HistoryPolicy(options.Size, options.Ttl, rules);
    }
}
