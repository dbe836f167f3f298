using System.CommandLine;
using System.Text.Json;
using Janus.Bot.Coordination;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Worker;
using Spectre.Console;

namespace Janus.Bot.Cli;

/// <summary>The <c>janus-bot</c> command line: <c>test</c>, and the hidden <c>worker</c> the coordinator starts.</summary>
internal static class BotCommandLine
{
    public static RootCommand Build()
    {
        var clients = new Option<int>("--clients", "-n") { Description = "Number of clients (the original's N).", DefaultValueFactory = _ => 1 };
        var host = new Option<string>("--host") { Description = "Server host.", DefaultValueFactory = _ => "localhost" };
        var port = new Option<int?>("--port", "-p") { Description = "Server port (default 8081 for janus, 6379 for redis)." };
        var hosts = new Option<string[]>("--hosts") { Description = "Several servers, host:port,host:port: clients are spread over them (overrides --host/--port).", AllowMultipleArgumentsPerToken = true };
        var publishTo = new Option<string?>("--publish-to") { Description = "host:port to publish to (default: the first host)." };
        var protocol = new Option<BotProtocol>("--protocol") { Description = "janus, or redis (RESP SUBSCRIBE/PUBLISH with the same timestamped JSON).", DefaultValueFactory = _ => BotProtocol.Janus };
        var rounds = new Option<int>("--rounds", "-r") { Description = "Publish this many times; each round is reported, then a summary.", DefaultValueFactory = _ => 1 };
        var throughput = new Option<int>("--throughput", "-k") { Description = "Publish K messages back to back per round (per topic) and report deliveries/s." };
        var topics = new Option<int>("--topics", "-t") { Description = "Spread the clients over T topics (events-0 … events-T-1).", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display on stderr." };
        var sources = new Option<string[]>("--sources") { Description = "Source addresses to connect from: 127.0.0.1-127.0.0.4 or a,b,c (about 28,000 connections per source and server).", AllowMultipleArgumentsPerToken = true };
        var workers = new Option<int>("--workers", "-w") { Description = "At least this many worker processes (default: as few as the per-process socket limit allows)." };
        var clientsPerWorker = new Option<int>("--clients-per-worker") { Description = "Most clients one worker process holds (fd hard limit 20,000).", DefaultValueFactory = _ => BotOptions.DefaultClientsPerWorker };
        var ioThreads = new Option<int>("--io-threads") { Description = "Receive threads per worker.", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--connect-concurrency") { Description = "Connections being set up at once, over all workers.", DefaultValueFactory = _ => 512 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a client waits for its messages once a round starts (the original's 5).", DefaultValueFactory = _ => 5 };
        var setupTimeout = new Option<double>("--setup-timeout") { Description = "Seconds allowed for all clients to connect and subscribe.", DefaultValueFactory = _ => 120 };
        var idle = new Option<double>("--idle") { Description = "Seconds to hold all clients idle after setup, before the first round (e.g. to sample the server's memory)." };
        var interval = new Option<double>("--interval") { Description = "Seconds between rounds.", DefaultValueFactory = _ => 0.5 };

        clients.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>(), "--clients"));
        rounds.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>(), "--rounds"));
        topics.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>(), "--topics"));
        ioThreads.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>(), "--io-threads"));
        concurrency.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>(), "--connect-concurrency"));
        clientsPerWorker.Validators.Add(r => Positive(r, r.GetValueOrDefault<int>(), "--clients-per-worker"));

        var test = new Command("test", "Run the original bot's test: N clients subscribe to 'events', one message is published, each client measures its latency.")
        {
            clients, host, port, hosts, publishTo, protocol, rounds, throughput, topics, json, quiet, sources, workers,
            clientsPerWorker, ioThreads, concurrency, timeout, setupTimeout, idle, interval,
        };
        test.SetAction(async (result, cancellationToken) =>
        {
            BotProtocol chosen = result.GetValue(protocol);
            int chosenPort = result.GetValue(port) ?? (chosen == BotProtocol.Redis ? 6379 : 8081);
            string[] hostList = result.GetValue(hosts) ?? [];
            var options = new BotOptions
            {
                Clients = result.GetValue(clients),
                Hosts = hostList.Length > 0 ? hostList : [$"{result.GetValue(host)}:{chosenPort}"],
                PublishTo = result.GetValue(publishTo),
                Protocol = chosen,
                Rounds = result.GetValue(rounds),
                Throughput = Math.Max(0, result.GetValue(throughput)),
                Topics = result.GetValue(topics),
                Json = result.GetValue(json),
                Quiet = result.GetValue(quiet),
                Sources = result.GetValue(sources) ?? [],
                Workers = Math.Max(0, result.GetValue(workers)),
                ClientsPerWorker = result.GetValue(clientsPerWorker),
                IoThreads = result.GetValue(ioThreads),
                ConnectConcurrency = result.GetValue(concurrency),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                SetupTimeout = TimeSpan.FromSeconds(result.GetValue(setupTimeout)),
                Idle = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(idle))),
                Interval = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(interval))),
            };
            return await RunTestAsync(options, Console.Out, Console.Error, cancellationToken);
        });

        var worker = new Command("worker", "Internal: one worker process of a test, driven over stdin/stdout.") { Hidden = true };
        worker.SetAction(async (_, _) =>
        {
            using var input = new StreamReader(Console.OpenStandardInput());
            using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            TextWriter log = TextWriter.Synchronized(Console.Error);
            return await new WorkerHost(input, output, log).RunAsync();
        });

        return new RootCommand("janus-bot: the load-test bot of the original Janus, for Janus and Redis pub/sub.") { test, StormCommand.Build(), worker };
    }

    /// <summary>Runs a test and prints its report; the exit code is 0 only when every client was good in every round.</summary>
    public static async Task<int> RunTestAsync(BotOptions options, TextWriter output, TextWriter diagnostics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        IAnsiConsole? progress = options.Quiet ? null : SetupProgress.CreateConsole();
        BotReport report;
        try
        {
            report = await BotRun.RunAsync(options, diagnostics, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or FormatException or ArgumentException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            await diagnostics.WriteLineAsync($"janus-bot: {ex.Message}");
            return 2;
        }

        if (options.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(report, BotReportJsonContext.Default.BotReport));
        }
        else
        {
            ReportWriter.WriteText(output, report);
        }

        await output.FlushAsync(cancellationToken);
        return report.Rounds.All(r => r.Bad == 0) ? 0 : 1;
    }

    private static void Positive(System.CommandLine.Parsing.OptionResult result, int value, string name)
    {
        if (value < 1)
        {
            result.AddError($"{name} must be at least 1.");
        }
    }
}
