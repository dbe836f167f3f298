using System.Diagnostics;
using System.Net;
using Janus.Bot.Coordination;
using Janus.Bot.Worker;
using Spectre.Console;

namespace Janus.Bot.Storm;

/// <summary>
/// The coordinator of <c>janus-bot storm</c>: starts the worker processes (as <c>test</c> does), waits until every
/// client is opted in and subscribed, starts the publisher, then per cut tells every worker to reset its share at once
/// and waits until every cut client has resumed and caught up; at the end stops the publisher and has every client
/// account for every number. The whole run is bounded by <see cref="StormOptions.MaxRunTime"/>.
/// </summary>
internal static class StormRun
{
    private const int DefaultPort = 8081;

    public static async Task<StormReport> RunAsync(StormOptions options, TextWriter diagnostics, IAnsiConsole? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<IPEndPoint> hosts = AddressList.ParseHosts(options.Hosts, DefaultPort);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("No host to test.");
        }

        if (options.Rate <= 0)
        {
            throw new ArgumentException("--rate must be above 0.");
        }

        IPEndPoint publishTo = options.PublishTo is null ? hosts[0] : AddressList.ParseHost(options.PublishTo, DefaultPort);
        IReadOnlyList<IPAddress> sources = AddressList.ParseSources(options.Sources);
        string[] topics = StormTopics.Names(options.Topics);
        int perClient = Math.Clamp(options.TopicsPerClient, 1, topics.Length);
        IReadOnlyList<WorkerConfig> plan = Plan(options, hosts, sources, perClient);

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.MaxRunTime);
        CancellationToken ct = bounded.Token;

        var report = new StormReport
        {
            Clients = options.Clients,
            Workers = plan.Count,
            Hosts = hosts.Select(h => h.ToString()).ToArray(),
            PublishTo = publishTo.ToString(),
            Sources = sources.Select(s => s.ToString()).ToArray(),
            Topics = topics.Length,
            TopicsPerClient = perClient,
            Rate = options.Rate,
            CutFraction = options.CutFraction,
            OutageMs = options.Outage.TotalMilliseconds,
            ResumeOnNextHost = options.ResumeOnNextHost,
        };

        var workers = new List<WorkerProcess>(plan.Count);
        var cuts = new List<StormCutReport>();
        StormTally total;
        try
        {
            await FleetStart.StartAsync(
                plan, workers, report, options.Clients, diagnostics, progress,
                noneSubscribed: "no client subscribed: is the server up, and does it speak sessions (hello)? The workers' log lines above say more.", ct);

            await using StormPublisher publisher = await StormPublisher.ConnectAsync(publishTo, topics, options.Rate, ct);
            publisher.Start();
            long publishStarted = Stopwatch.GetTimestamp();
            report.PublishStartUnixMs = WallClock.NowMilliseconds();
            await Task.Delay(options.Warmup, ct);

            for (int round = 1; round <= options.Cuts; round++)
            {
                Status(progress, $"cut {round}/{options.Cuts}: {options.CutFraction * 100:0.##}% of {report.Subscribed} connections reset");
                var cut = new ControlMessage
                {
                    Type = ControlMessage.CutType,
                    Round = round,
                    Fraction = options.CutFraction,
                    Seed = options.Seed,
                    DeadlineUs = WallClock.NowMicroseconds() + (long)options.CutTimeout.TotalMicroseconds,
                };
                workers.Broadcast(cut);
                ControlMessage[] done = await workers.ExpectAllAsync(ControlMessage.CutDoneType, ct);
                StormCutReport result = StormCutReport.From(StormEpisodeTally.Merge(round, done.Select(d => d.Episode!).ToArray()));
                cuts.Add(result);
                Status(progress, $"cut {round}/{options.Cuts}: {result.Resumed}/{result.Cut} resumed in {result.AllResumedMs:F0}ms, caught up in {result.AllCaughtUpMs:F0}ms");
                await Task.Delay(options.Interval, ct);
            }

            TimeSpan left = options.Duration - Stopwatch.GetElapsedTime(publishStarted);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, ct);
            }

            long[] final = await publisher.StopAsync();
            report.PublishMs = Stopwatch.GetElapsedTime(publishStarted).TotalMilliseconds;
            report.PublishEndUnixMs = WallClock.NowMilliseconds();
            report.Published = final.Sum();
            workers.Broadcast(new ControlMessage
            {
                Type = ControlMessage.DrainType,
                FinalSequences = final,
                DeadlineUs = WallClock.NowMicroseconds() + (long)options.DrainTimeout.TotalMicroseconds,
            });
            ControlMessage[] drained = await workers.ExpectAllAsync(ControlMessage.DrainedType, ct);
            total = StormTally.Merge(drained.Select(d => d.Storm!).ToArray());

            workers.Broadcast(new ControlMessage { Type = ControlMessage.StopType });
            await workers.ExpectAllAsync(ControlMessage.StoppedType, ct);
            report.EndUnixMs = WallClock.NowMilliseconds();
        }
        finally
        {
            foreach (WorkerProcess worker in workers)
            {
                await worker.DisposeAsync();
            }
        }

        report.Cuts = cuts;
        report.Unplanned = total.Unplanned.Cut > 0 ? StormCutReport.From(total.Unplanned) : null;
        report.Deliveries = total.Deliveries;
        report.Lost = total.Lost;
        report.Duplicates = total.Duplicates;
        report.OutOfOrder = total.OutOfOrder;
        report.Errors = total.Errors;
        report.RecoveredFalse = cuts.Sum(c => c.RecoveredFalse) + (report.Unplanned?.RecoveredFalse ?? 0);
        report.ResumeFailures = cuts.Sum(c => c.Failed) + (report.Unplanned?.Failed ?? 0);
        report.Replayed = StormLatency.From(total.Replayed);
        report.Live = StormLatency.From(total.Live);
        return report;
    }

    private static IReadOnlyList<WorkerConfig> Plan(StormOptions options, IReadOnlyList<IPEndPoint> hosts, IReadOnlyList<IPAddress> sources, int perClient)
    {
        // The planner splits the clients over processes as for test; the storm's own settings ride along in each config.
        IReadOnlyList<WorkerConfig> plan = WorkerPlanner.Plan(options, hosts, sources);
        foreach (WorkerConfig config in plan)
        {
            config.Mode = StormWorker.Mode;
            config.TopicsPerClient = perClient;
            config.ResumeOnNextHost = options.ResumeOnNextHost;
            config.OutageMs = (int)options.Outage.TotalMilliseconds;
        }

        return plan;
    }

    private static void Status(IAnsiConsole? progress, string line) => progress?.WriteLine(line);
}
