using System.Net;
using Janus.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Janus.Testing;

/// <summary>
/// A real Janus server, in process, on free loopback ports: the same host wiring as the <c>janus</c> executable,
/// with configuration and services the test chooses.
/// </summary>
public sealed class JanusTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private JanusTestServer(WebApplication app)
    {
        _app = app;
        JanusEndpoints endpoints = app.Services.GetRequiredService<JanusEndpoints>();
        TcpEndPoint = endpoints.Tcp is { } tcp ? new IPEndPoint(IPAddress.Loopback, tcp.Port) : null;
        HttpEndPoint = endpoints.Http is { } http ? new IPEndPoint(IPAddress.Loopback, http.Port) : null;
        TcpTlsEndPoint = endpoints.TcpTls is { } tcps ? new IPEndPoint(IPAddress.Loopback, tcps.Port) : null;
        HttpsEndPoint = endpoints.Https is { } https ? new IPEndPoint(IPAddress.Loopback, https.Port) : null;
    }

    /// <summary>Where the TCP protocol listens (loopback, real port).</summary>
    public IPEndPoint? TcpEndPoint { get; }

    /// <summary>Where HTTP listens (loopback, real port).</summary>
    public IPEndPoint? HttpEndPoint { get; }

    /// <summary>Where the TCP protocol over TLS listens (loopback, real port), when <c>Janus:Tls:TcpPort</c> is set.</summary>
    public IPEndPoint? TcpTlsEndPoint { get; }

    /// <summary>Where HTTPS listens (loopback, real port), when <c>Janus:Tls:HttpsPort</c> is set.</summary>
    public IPEndPoint? HttpsEndPoint { get; }

    /// <summary>The base address of the HTTP listener, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri HttpBaseAddress => new($"http://127.0.0.1:{HttpEndPoint?.Port}/");

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>A service of the server.</summary>
    public T GetRequiredService<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>
    /// Starts a server. <paramref name="settings"/> are configuration keys (e.g. <c>Janus:Limits:MaxQueueBytes</c>);
    /// <paramref name="configureServices"/> runs before Janus registers its own (so a <see cref="TimeProvider"/>
    /// given there wins).
    /// </summary>
    public static async Task<JanusTestServer> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        Action<WebApplication>? configureApp = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        var defaults = new Dictionary<string, string?>
        {
            ["Janus:Tcp:Address"] = "127.0.0.1",
            ["Janus:Tcp:Port"] = "0",
            ["Janus:Http:Address"] = "127.0.0.1",
            ["Janus:Http:Port"] = "0",
        };
        if (settings is not null)
        {
            foreach (KeyValuePair<string, string?> setting in settings)
            {
                defaults[setting.Key] = setting.Value;
            }
        }

        builder.Configuration.AddInMemoryCollection(defaults);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        builder.AddJanus();
        WebApplication app = builder.Build();
        app.MapJanus();
        configureApp?.Invoke(app);
        await app.StartAsync();
        return new JanusTestServer(app);
    }

    /// <summary>Connects a raw TCP protocol client and reads its greeting.</summary>
    public async Task<RawTcpClient> ConnectTcpAsync(bool readGreeting = true)
    {
        RawTcpClient client = await RawTcpClient.ConnectAsync(TcpEndPoint ?? throw new InvalidOperationException("The TCP listener is disabled."));
        if (readGreeting)
        {
            await client.ReadMessageAsync();
        }

        return client;
    }

    /// <summary>Stops the server (graceful shutdown, as on SIGTERM).</summary>
    public async Task StopAsync() => await _app.StopAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A test that left clients hanging; the host is torn down regardless.
        }

        await _app.DisposeAsync();
    }
}
