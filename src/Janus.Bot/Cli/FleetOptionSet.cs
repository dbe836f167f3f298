using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Janus.Bot.Coordination;
using Spectre.Console;

namespace Janus.Bot.Cli;

/// <summary>
/// The switches <c>test</c> and <c>storm</c> share (<see cref="FleetOptions"/>), defined once: each command makes
/// its own set (an option belongs to one command) and adds its own switches around them.
/// </summary>
internal sealed class FleetOptionSet
{
    public FleetOptionSet(string clientsDescription, int clientsDefault, string concurrencyDescription)
    {
        Clients = new Option<int>("--clients", "-n") { Description = clientsDescription, DefaultValueFactory = _ => clientsDefault };
        ConnectConcurrency = new Option<int>("--connect-concurrency") { Description = concurrencyDescription, DefaultValueFactory = _ => 512 };
        MustBePositive(Clients, ClientsPerWorker, IoThreads, ConnectConcurrency);
    }

    public Option<int> Clients { get; }

    public Option<string> Host { get; } = new("--host") { Description = "Server host.", DefaultValueFactory = _ => "localhost" };

    public Option<string[]> Hosts { get; } = new("--hosts") { Description = "Several servers, host:port,host:port: clients are spread over them (overrides --host/--port).", AllowMultipleArgumentsPerToken = true };

    public Option<string?> PublishTo { get; } = new("--publish-to") { Description = "host:port to publish to (default: the first host)." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the report as JSON." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress display on stderr." };

    public Option<string[]> Sources { get; } = new("--sources") { Description = "Source addresses to connect from: 127.0.0.1-127.0.0.4 or a,b,c (about 28,000 connections per source and server).", AllowMultipleArgumentsPerToken = true };

    public Option<int> Workers { get; } = new("--workers", "-w") { Description = "At least this many worker processes (default: as few as the per-process socket limit allows)." };

    public Option<int> ClientsPerWorker { get; } = new("--clients-per-worker") { Description = "Most clients one worker process holds (fd hard limit 20,000).", DefaultValueFactory = _ => FleetOptions.DefaultClientsPerWorker };

    public Option<int> IoThreads { get; } = new("--io-threads") { Description = "Receive threads per worker.", DefaultValueFactory = _ => 1 };

    public Option<int> ConnectConcurrency { get; }

    public Option<double> SetupTimeout { get; } = new("--setup-timeout") { Description = "Seconds allowed for all clients to connect and subscribe.", DefaultValueFactory = _ => 120 };

    /// <summary>Adds a "must be at least 1" check to each option.</summary>
    public static void MustBePositive(params Option<int>[] options)
    {
        foreach (Option<int> option in options)
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() < 1)
                {
                    r.AddError($"{option.Name} must be at least 1.");
                }
            });
        }
    }

    /// <summary><paramref name="options"/> with the shared switches' values; <paramref name="port"/> goes with <c>--host</c>.</summary>
    public T Read<T>(ParseResult result, T options, int port)
        where T : FleetOptions
    {
        ArgumentNullException.ThrowIfNull(result);
        string[] hosts = result.GetValue(Hosts) ?? [];
        FleetOptions shared = options;

        // The copy keeps the record's own type (and its own settings): a record's clone is virtual.
        return (T)(shared with
        {
            Clients = result.GetValue(Clients),
            Hosts = hosts.Length > 0 ? hosts : [$"{result.GetValue(Host)}:{port}"],
            PublishTo = result.GetValue(PublishTo),
            Json = result.GetValue(Json),
            Quiet = result.GetValue(Quiet),
            Sources = result.GetValue(Sources) ?? [],
            Workers = Math.Max(0, result.GetValue(Workers)),
            ClientsPerWorker = result.GetValue(ClientsPerWorker),
            IoThreads = result.GetValue(IoThreads),
            ConnectConcurrency = result.GetValue(ConnectConcurrency),
            SetupTimeout = TimeSpan.FromSeconds(result.GetValue(SetupTimeout)),
        });
    }

    /// <summary>
    /// Runs a test or a storm and prints its report (text or <c>--json</c>); the exit code is 0 when the run was clean,
    /// 1 when not, 2 when it could not be done.
    /// </summary>
    public static async Task<int> RunAsync<TReport>(
        FleetOptions options,
        Func<IAnsiConsole?, Task<TReport>> run,
        JsonTypeInfo<TReport> json,
        Action<TextWriter, TReport> writeText,
        Func<TReport, bool> clean,
        TextWriter output,
        TextWriter diagnostics,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(writeText);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(diagnostics);
        IAnsiConsole? progress = options.Quiet ? null : SetupProgress.CreateConsole();
        TReport report;
        try
        {
            report = await run(progress);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or FormatException or ArgumentException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            await diagnostics.WriteLineAsync($"janus-bot: {ex.Message}");
            return 2;
        }

        if (options.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(report, json));
        }
        else
        {
            writeText(output, report);
        }

        await output.FlushAsync(cancellationToken);
        return clean(report) ? 0 : 1;
    }
}
