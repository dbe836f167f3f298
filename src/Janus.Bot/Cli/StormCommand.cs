using System.CommandLine;
using Janus.Bot.Storm;

namespace Janus.Bot.Cli;

/// <summary><c>janus-bot storm</c>: the reconnect storm (docs/bot.md, "Reconnect storm").</summary>
internal static class StormCommand
{
    public static Command Build()
    {
        var fleet = new FleetOptionSet("Number of subscribers (opted in to sessions).", clientsDefault: 100, "Connections being set up (or resumed) at once, over all workers.");
        var port = new Option<int>("--port", "-p") { Description = "Server port.", DefaultValueFactory = _ => 8081 };
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
        FleetOptionSet.MustBePositive(topics, topicsPerClient);
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
            fleet.Clients, fleet.Host, port, fleet.Hosts, fleet.PublishTo, topics, topicsPerClient, rate, fraction, cuts, warmup, interval, cutTimeout, outage,
            duration, drainTimeout, nextHost, seed, fleet.Json, fleet.Quiet, fleet.Sources, fleet.Workers, fleet.ClientsPerWorker, fleet.IoThreads,
            fleet.ConnectConcurrency, fleet.SetupTimeout,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new StormOptions
            {
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
            };
            return await RunAsync(fleet.Read(result, options, result.GetValue(port)), Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs a storm and prints its report; the exit code is 0 only when the run was clean (<see cref="StormReport.Clean"/>).</summary>
    public static Task<int> RunAsync(StormOptions options, TextWriter output, TextWriter diagnostics, CancellationToken cancellationToken) =>
        FleetOptionSet.RunAsync(
            options,
            progress => StormRun.RunAsync(options, diagnostics, progress, cancellationToken),
            BotReportJsonContext.Default.StormReport,
            StormReportWriter.WriteText,
            report => report.Clean,
            output,
            diagnostics,
            cancellationToken);

    private static TimeSpan Seconds(double value) => TimeSpan.FromSeconds(Math.Max(0, value));
}
