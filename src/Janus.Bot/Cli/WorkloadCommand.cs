using System.CommandLine;
using Janus.Bot.Protocols;
using Janus.Bot.Workload;

namespace Janus.Bot.Cli;

/// <summary><c>janus-bot workload</c>: steady-rate workloads (docs/bot.md, "Steady-rate workloads").</summary>
internal static class WorkloadCommand
{
    public static Command Build()
    {
        var fleet = new FleetOptionSet("Number of clients.", clientsDefault: 19_000, "Connections being set up at once (setup and newcomers), over all workers.");
        var shape = new Option<WorkloadShape>("--shape") { Description = "mixed (Zipf interest over many topics) or centrifugo (personal + group topic, churn).", DefaultValueFactory = _ => WorkloadShape.Mixed };
        var port = new Option<int?>("--port", "-p") { Description = "Server port (default 8081 for janus, 6379 for redis)." };
        var protocol = new Option<BotProtocol>("--protocol") { Description = "The server's protocol, as for test.", DefaultValueFactory = _ => BotProtocol.Janus };
        var topics = new Option<int>("--topics", "-t") { Description = "Mixed: topics mixed-0 … mixed-T-1 (topic i has Zipf rank i).", DefaultValueFactory = _ => 1000 };
        var minTopics = new Option<int>("--min-topics") { Description = "Mixed: the fewest topics a client holds (its count is uniform between min and max).", DefaultValueFactory = _ => 1 };
        var maxTopics = new Option<int>("--max-topics") { Description = "Mixed: the most topics a client holds.", DefaultValueFactory = _ => 10 };
        var zipf = new Option<double>("--zipf") { Description = "Mixed: Zipf's exponent s over topic rank, for interest and publishes.", DefaultValueFactory = _ => 1 };
        var rate = new Option<double?>("--rate") { Description = "Messages per second over all topics (default 100 for mixed, 2,000 for centrifugo)." };
        var publishers = new Option<int>("--publishers") { Description = "Publisher connections (a topic always goes through the same one).", DefaultValueFactory = _ => 4 };
        var duration = new Option<double>("--duration") { Description = "Seconds to publish (at most 600).", DefaultValueFactory = _ => 60 };
        var groupSize = new Option<int>("--group-size") { Description = "Centrifugo: clients per group topic.", DefaultValueFactory = _ => 10 };
        var personal = new Option<double>("--personal-share") { Description = "Centrifugo: the share of messages sent to personal topics, 0-1.", DefaultValueFactory = _ => 0.5 };
        var churn = new Option<double?>("--churn") { Description = "Clients leaving per minute, each replaced by a newcomer (default 0 for mixed, 1,500 for centrifugo)." };
        var linger = new Option<double>("--linger") { Description = "Seconds a leaving client still reads before it closes.", DefaultValueFactory = _ => 1 };
        var drainTimeout = new Option<double>("--drain-timeout") { Description = "Seconds clients get to receive what is in flight once publishing stops.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seeds the topic draws and who leaves.", DefaultValueFactory = _ => 1 };
        FleetOptionSet.MustBePositive(topics, minTopics, maxTopics, publishers, groupSize);
        duration.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > WorkloadOptions.MaxDurationSeconds)
            {
                r.AddError($"--duration must be above 0 and at most {WorkloadOptions.MaxDurationSeconds}.");
            }
        });
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is <= 0)
            {
                r.AddError("--rate must be above 0.");
            }
        });
        personal.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 1)
            {
                r.AddError("--personal-share must be between 0 and 1.");
            }
        });

        var command = new Command("workload", "Steady-rate workload: clients subscribed by a shape (mixed Zipf interest, or Centrifugo's personal + group topics with churn), messages at a steady rate; reports latency, deliveries/s and messages lost to connected clients.")
        {
            shape, fleet.Clients, fleet.Host, port, fleet.Hosts, fleet.PublishTo, protocol, topics, minTopics, maxTopics, zipf, rate, publishers, duration,
            groupSize, personal, churn, linger, drainTimeout, seed, fleet.Json, fleet.Quiet, fleet.Sources, fleet.Workers, fleet.ClientsPerWorker,
            fleet.IoThreads, fleet.ConnectConcurrency, fleet.SetupTimeout,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            WorkloadShape chosenShape = result.GetValue(shape);
            BotProtocol chosen = result.GetValue(protocol);
            var options = new WorkloadOptions
            {
                Shape = chosenShape,
                Protocol = chosen,
                Topics = result.GetValue(topics),
                MinTopicsPerClient = result.GetValue(minTopics),
                MaxTopicsPerClient = Math.Max(result.GetValue(minTopics), result.GetValue(maxTopics)),
                Exponent = Math.Max(0, result.GetValue(zipf)),
                Rate = result.GetValue(rate) ?? WorkloadOptions.DefaultRate(chosenShape),
                Publishers = result.GetValue(publishers),
                Duration = TimeSpan.FromSeconds(result.GetValue(duration)),
                GroupSize = result.GetValue(groupSize),
                PersonalShare = result.GetValue(personal),
                ChurnPerMinute = Math.Max(0, result.GetValue(churn) ?? WorkloadOptions.DefaultChurn(chosenShape)),
                Linger = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(linger))),
                DrainTimeout = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(drainTimeout))),
                Seed = result.GetValue(seed),
            };
            int chosenPort = result.GetValue(port) ?? Protocols.BotProtocolPorts.Default(chosen);
            return await RunAsync(fleet.Read(result, options, chosenPort), Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>Runs a workload and prints its report; the exit code is 0 only when the run was clean (<see cref="WorkloadReport.Clean"/>).</summary>
    public static Task<int> RunAsync(WorkloadOptions options, TextWriter output, TextWriter diagnostics, CancellationToken cancellationToken) =>
        FleetOptionSet.RunAsync(
            options,
            progress => WorkloadRun.RunAsync(options, diagnostics, progress, cancellationToken),
            BotReportJsonContext.Default.WorkloadReport,
            WorkloadReportWriter.WriteText,
            report => report.Clean,
            output,
            diagnostics,
            cancellationToken);
}
