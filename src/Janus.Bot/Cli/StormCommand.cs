using System.CommandLine;
using System.Text.Json;
using Janus.Bot.Coordination;
using Janus.Bot.Storm;
using Spectre.Console;

namespace Janus.Bot.Cli;

/// <summary><c>janus-bot storm</c>: the reconnect storm (docs/bot.md, "Reconnect storm").</summary>
internal static class StormCommand
{
    public static Command Build()
    {
        var clients = new Option<int>("--clients", "-n") { Description = "Number of subscribers (opted in to sessions).", DefaultValueFactory = _ => 100 };
        var host = new Option<string>("--host") { Description = "Server host.", DefaultValueFactory = _ => "localhost" };
        var port = new Option<int>("--port", "-p") { Description = "Server port.", DefaultValueFactory = _ => 8081 };
        var hosts = new Option<string[]>("--hosts") { Description = "Several servers, host:port,host:port: clients are spread over them (overrides --host/--port).", AllowMultipleArgumentsPerToken = true };
        var publishTo = new Option<string?>("--publish-to") { Description = "host:port the publisher connects to (default: the first host)." };
        var topics = new Option<int>("--topics", "-t") { Description = "Topics storm-0 … storm-T-1; client i holds topic i mod T.", DefaultValueFactory = _ => 1 };
        var topicsPerClient = new Option<int>("--topics-per-client") { Description = "Topics each client holds (its own and the next ones).", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate") { Description = "Messages published per second, over all topics (round robin).", DefaultValueFactory = _ => 100 };
        var fraction = new Option<double>("--cut-fraction") { Description = "Share of the connections each cut resets, 0-1.", DefaultValueFactory = _ => 1 };
        var cuts = new Option<int>("--cuts") { Description = "How many cuts (rounds).", DefaultValueFactory = _ => 1 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of live publishing before the first cut.", DefaultValueFactory = _ => 1 };
        var interval = new Option<double>("--interval") { Description = "Seconds of live publishing after a cut is over, before the next.", DefaultValueFactory = _ => 1 };
        var cutTimeout = new Option<double>("--cut-timeout") { Description = "Seconds a cut may take until every client has caught up.", DefaultValueFactory = _ => 60 };
        var outage = new Option<double>("--outage") { Description = "Seconds a cut client stays away before reconnecting." };
        var duration = new Option<double>("--duration") { Description = "Publish at least this many seconds in all (e.g. while a node is killed from outside)." };
        var drainTimeout = new Option<double>("--drain-timeout") { Description = "Seconds clients get to receive the last numbers once publishing stops.", DefaultValueFactory = _ => 15 };
        var nextHost = new Option<bool>("--resume-on-next-host") { Description = "A client comes back on the next host of --hosts, not its own (a node was killed)." };
        var seed = new Option<int>("--seed") { Description = "Seeds who is cut when --cut-fraction is below 1.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress display on stderr." };
        var sources = new Option<string[]>("--sources") { Description = "Source addresses to connect from: 127.0.0.2-127.0.0.5 or a,b,c.", AllowMultipleArgumentsPerToken = true };
        var workers = new Option<int>("--workers", "-w") { Description = "At least this many worker processes." };
        var clientsPerWorker = new Option<int>("--clients-per-worker") { Description = "Most clients one worker process holds (fd hard limit 20,000).", DefaultValueFactory = _ => BotOptions.DefaultClientsPerWorker };
        var ioThreads = new Option<int>("--io-threads") { Description = "Receive threads per worker.", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--connect-concurrency") { Description = "Connections being set up (or resumed) at once, over all workers.", DefaultValueFactory = _ => 512 };
        var setupTimeout = new Option<double>("--setup-timeout") { Description = "Seconds allowed for all clients to connect and subscribe.", DefaultValueFactory = _ => 120 };

        foreach (Option<int> positive in new[] { clients, topics, topicsPerClient, ioThreads, concurrency, clientsPerWorker })
        {
            positive.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() < 1)
                {
                    r.AddError($"{positive.Name} must be at least 1.");
                }
            });
        }

        cuts.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--cuts must be 0 or more.");
            }
        });
        fraction.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 1)
            {
                r.AddError("--cut-fraction must be between 0 and 1.");
            }
        });
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() <= 0)
            {
                r.AddError("--rate must be above 0.");
            }
        });

        var command = new Command("storm", "Reconnect storm: N opted-in subscribers, a numbered publish at a steady rate, connections reset at once, every client resumes; reports lost, duplicated and out-of-order messages and the time to resume.")
        {
            clients, host, port, hosts, publishTo, topics, topicsPerClient, rate, fraction, cuts, warmup, interval, cutTimeout, outage,
            duration, drainTimeout, nextHost, seed, json, quiet, sources, workers, clientsPerWorker, ioThreads, concurrency, setupTimeout,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            string[] hostList = result.GetValue(hosts) ?? [];
            var options = new StormOptions
            {
                Clients = result.GetValue(clients),
                Hosts = hostList.Length > 0 ? hostList : [$"{result.GetValue(host)}:{result.GetValue(port)}"],
                PublishTo = result.GetValue(publishTo),
                Topics = result.GetValue(topics),
                TopicsPerClient = result.GetValue(topicsPerClient),
                Rate = result.GetValue(rate),
                CutFraction = result.GetValue(fraction),
                Cuts = result.GetValue(cuts),
                Warmup = Seconds(result.GetValue(warmup)),
                Interval = Seconds(result.GetValue(interval)),
                CutTimeout = Seconds(result.GetValue(cutTimeout)),
                Outage = Seconds(result.GetValue(outage)),
                Duration = Seconds(result.GetValue(duration)),
                DrainTimeout = Seconds(result.GetValue(drainTimeout)),
                ResumeOnNextHost = result.GetValue(nextHost),
                Seed = result.GetValue(seed),
                Json = result.GetValue(json),
                Quiet = result.GetValue(quiet),
                Sources = result.GetValue(sources) ?? [],
                Workers = Math.Max(0, result.GetValue(workers)),
                ClientsPerWorker = result.GetValue(clientsPerWorker),
                IoThreads = result.GetValue(ioThreads),
                ConnectConcurrency = result.GetValue(concurrency),
                SetupTimeout = Seconds(result.GetValue(setupTimeout)),
            };
            return await RunAsync(options, Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs a storm and prints its report; the exit code is 0 only when the run was clean (<see cref="StormReport.Clean"/>).</summary>
    public static async Task<int> RunAsync(StormOptions options, TextWriter output, TextWriter diagnostics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        IAnsiConsole? progress = options.Quiet ? null : SetupProgress.CreateConsole();
        StormReport report;
        try
        {
            report = await StormRun.RunAsync(options, diagnostics, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or FormatException or ArgumentException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            await diagnostics.WriteLineAsync($"janus-bot: {ex.Message}");
            return 2;
        }

        if (options.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(report, BotReportJsonContext.Default.StormReport));
        }
        else
        {
            StormReportWriter.WriteText(output, report);
        }

        await output.FlushAsync(cancellationToken);
        return report.Clean ? 0 : 1;
    }

    private static TimeSpan Seconds(double value) => TimeSpan.FromSeconds(Math.Max(0, value));
}
