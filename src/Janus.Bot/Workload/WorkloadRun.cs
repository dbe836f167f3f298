using System.Diagnostics;
using System.Net;
using Janus.Bot.Coordination;
using Janus.Bot.Storm;
using Janus.Bot.Worker;
using Spectre.Console;

namespace Janus.Bot.Workload;

/// <summary>
/// The coordinator of <c>janus-bot workload</c>: starts the worker processes (as <c>test</c> does), waits until every
/// client is subscribed to its topics, starts the churn and publishes at the steady rate for the duration, then drains
/// the clients, holds their receipts against the publish log (<see cref="LossLedger"/>) and reports. The whole run is
/// bounded by <see cref="WorkloadOptions.MaxRunTime"/>.
/// </summary>
internal static class WorkloadRun
{
    public static async Task<WorkloadReport> RunAsync(WorkloadOptions options, TextWriter diagnostics, IAnsiConsole? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Rate <= 0 || options.Publishers < 1 || options.Duration <= TimeSpan.Zero || options.Duration.TotalSeconds > WorkloadOptions.MaxDurationSeconds)
        {
            throw new ArgumentException($"a workload needs a rate above 0, at least one publisher and a duration of up to {WorkloadOptions.MaxDurationSeconds} s.");
        }

        IReadOnlyList<IPEndPoint> hosts = AddressList.ParseHosts(options.Hosts, defaultPort: 8081);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("No host to test.");
        }

        IPEndPoint publishTo = options.PublishTo is null ? hosts[0] : AddressList.ParseHost(options.PublishTo, 8081);
        IReadOnlyList<IPAddress> sources = AddressList.ParseSources(options.Sources);
        var topics = WorkloadTopics.For(options.Spec(options.ChurnPerMinute));
        IReadOnlyList<WorkerConfig> plan = WorkerPlanner.Plan(options, hosts, sources);
        foreach (WorkerConfig config in plan)
        {
            config.Mode = WorkloadWorker.Mode;
            config.Protocol = options.Protocol.ToString().ToLowerInvariant();
            config.Workload = options.Spec(options.ChurnPerMinute * config.ClientCount / Math.Max(1, options.Clients));
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.MaxRunTime);
        CancellationToken ct = bounded.Token;
        WorkloadReport report = NewReport(options, plan.Count, hosts, sources, topics);

        var workers = new List<WorkerProcess>(plan.Count);
        var publishers = new List<IPublisher>(options.Publishers);
        PublishLog log;
        WorkloadTally total;
        try
        {
            await FleetStart.StartAsync(
                plan, workers, report, options.Clients, diagnostics, progress,
                noneSubscribed: "no client subscribed: is the server up? The workers' log lines above say more.", ct);

            for (int p = 0; p < options.Publishers; p++)
            {
                publishers.Add(IPublisher.ForStream(options.Protocol, publishTo));
            }

            progress?.WriteLine(Invariant($"publishing {options.Rate:0.##} msg/s for {options.Duration.TotalSeconds:0.#}s, churn {options.ChurnPerMinute:0.##}/min"));
            workers.Broadcast(new ControlMessage { Type = ControlMessage.ChurnType });
            using var publishing = new CancellationTokenSource(options.Duration);
            long publishStarted = Stopwatch.GetTimestamp();
            report.PublishStartUnixMs = WallClock.NowMilliseconds();
            TimeSpan cpuAtPublish = Environment.CpuUsage.TotalTime;
            log = await RatePublisher.RunAsync(publishers, topics, options.Rate, options.Seed, publishing.Token, ct);
            report.BotPublishCpuMs = (Environment.CpuUsage.TotalTime - cpuAtPublish).TotalMilliseconds;
            report.PublishMs = Stopwatch.GetElapsedTime(publishStarted).TotalMilliseconds;
            report.PublishEndUnixMs = WallClock.NowMilliseconds();

            long deadlineUs = WallClock.NowMicroseconds() + (long)(options.Linger + options.DrainTimeout).TotalMicroseconds;
            workers.Broadcast(new ControlMessage { Type = ControlMessage.DrainType, DeadlineUs = deadlineUs });
            ControlMessage[] drained = await workers.ExpectAllAsync(ControlMessage.DrainedType, ct);
            total = WorkloadTally.Merge([.. drained.Select(d => d.Workload!)]);
            report.BotReceiveCpuMs = drained.Sum(d => d.CpuUs) / 1000.0;

            workers.Broadcast(new ControlMessage { Type = ControlMessage.StopType });
            await workers.ExpectAllAsync(ControlMessage.StoppedType, ct);
            report.EndUnixMs = WallClock.NowMilliseconds();
        }
        finally
        {
            foreach (IPublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }

            foreach (WorkerProcess worker in workers)
            {
                await worker.DisposeAsync();
            }
        }

        LossTally loss = LossLedger.Account(log, topics.Count, [total.Windows]);
        double publishSeconds = Math.Max(report.PublishMs, 1) / 1000;
        report.Published = log.Count;
        report.PublishedPerSecond = log.Count / publishSeconds;
        report.Deliveries = total.Deliveries;
        report.DeliveriesPerSecond = total.Deliveries / publishSeconds;
        report.Due = loss.Due;
        report.Lost = loss.Lost;
        report.Unaccountable = loss.Unaccountable;
        report.MeanFanOut = log.Count == 0 ? 0 : (double)loss.Due / log.Count;
        report.OutOfOrder = total.OutOfOrder;
        report.Errors = total.Errors;
        report.Dropped = total.Dropped;
        report.Leaves = total.Leaves;
        report.Joins = total.Joins;
        report.JoinFailures = total.JoinFailures;
        report.ChurnSkipped = total.ChurnSkipped;
        report.ChurnPerMinuteAchieved = total.Leaves / publishSeconds * 60;
        report.ConnectedAtEnd = total.Connected;
        report.Latency = StormLatency.From(total.Latency);
        return report;
    }

    private static WorkloadReport NewReport(WorkloadOptions options, int workers, IReadOnlyList<IPEndPoint> hosts, IReadOnlyList<IPAddress> sources, WorkloadTopics topics) => new()
    {
        Shape = options.Shape.ToString().ToLowerInvariant(),
        Protocol = options.Protocol.ToString().ToLowerInvariant(),
        Clients = options.Clients,
        Workers = workers,
        Hosts = [.. hosts.Select(h => h.ToString())],
        Sources = [.. sources.Select(s => s.ToString())],
        Topics = topics.Count,
        MinTopicsPerClient = options.Shape == WorkloadShape.Mixed ? Math.Min(options.MinTopicsPerClient, topics.MaxPerClient) : 2,
        MaxTopicsPerClient = topics.MaxPerClient,
        Exponent = options.Exponent,
        GroupSize = options.GroupSize,
        PersonalShare = options.PersonalShare,
        Rate = options.Rate,
        Publishers = options.Publishers,
        ChurnPerMinute = options.ChurnPerMinute,
        LingerMs = options.Linger.TotalMilliseconds,
    };

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
