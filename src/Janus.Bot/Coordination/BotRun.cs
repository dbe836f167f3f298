using System.Diagnostics;
using System.Net;
using Janus.Bot.Cli;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Storm;
using Janus.Bot.Worker;
using Spectre.Console;

namespace Janus.Bot.Coordination;

/// <summary>
/// The coordinator of <c>janus-bot test</c>: starts the worker processes, gives each its share of clients, waits until
/// all are subscribed (setup), then per round arms every worker, publishes, and merges what the workers measured.
/// The whole run is bounded by <see cref="BotOptions.MaxRunTime"/>.
/// </summary>
internal static class BotRun
{
    public static async Task<BotReport> RunAsync(BotOptions options, TextWriter diagnostics, IAnsiConsole? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        int defaultPort = BotProtocolPorts.Default(options.Protocol);
        IReadOnlyList<IPEndPoint> hosts = AddressList.ParseHosts(options.Hosts, defaultPort);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("No host to test.");
        }

        // WebSocket subscribers hear publishes sent, as in the Janus test, to the TCP port (the same host's, by default).
        IPEndPoint publishTo = options.Protocol == BotProtocol.WebSocket
            ? (options.PublishTo is null ? new IPEndPoint(hosts[0].Address, BotProtocolPorts.JanusTcp) : AddressList.ParseHost(options.PublishTo, BotProtocolPorts.JanusTcp))
            : options.PublishTo is null ? hosts[0] : AddressList.ParseHost(options.PublishTo, defaultPort);
        IReadOnlyList<IPAddress> sources = AddressList.ParseSources(options.Sources);
        IReadOnlyList<WorkerConfig> plan = WorkerPlanner.Plan(options, hosts, sources);
        string[] topics = Enumerable.Range(0, Math.Max(1, options.Topics)).Select(t => TestMessage.Topic(t, options.Topics)).ToArray();

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.MaxRunTime);
        CancellationToken ct = bounded.Token;

        var report = new BotReport
        {
            Protocol = options.Protocol.ToString().ToLowerInvariant(),
            Clients = options.Clients,
            Workers = plan.Count,
            Hosts = hosts.Select(h => h.ToString()).ToArray(),
            Sources = sources.Select(s => s.ToString()).ToArray(),
            Topics = topics.Length,
            MessagesPerRound = options.MessagesPerRound,
            TimeoutMs = options.Timeout.TotalMilliseconds,
        };

        var workers = new List<WorkerProcess>(plan.Count);
        var tallies = new List<(RoundTally Tally, long PublishUs)>();
        try
        {
            // test reports a run with no client subscribed rather than stopping (the report shows the setup failures).
            await FleetStart.StartAsync(plan, workers, report, options.Clients, diagnostics, progress, noneSubscribed: null, ct);

            if (options.Idle > TimeSpan.Zero)
            {
                await Task.Delay(options.Idle, ct);
            }

            report.IdleDoneUnixMs = WallClock.NowMilliseconds();
            if (options.ReconnectStorm)
            {
                (report.ReconnectStorm, report.ReconnectStormMs) = await ReconnectStormAsync(workers, options.Clients, progress, ct);
            }

            await using IPublisher publisher = IPublisher.ForRounds(options.Protocol, publishTo, options.Publishers);
            for (int round = 1; round <= options.Rounds; round++)
            {
                await publisher.PrepareAsync(topics.Length * options.MessagesPerRound, ct);
                long notBeforeUs = WallClock.NowMicroseconds();
                var arm = new ControlMessage
                {
                    Type = ControlMessage.ArmType,
                    Round = round,
                    ExpectedPerClient = options.MessagesPerRound,
                    NotBeforeUs = notBeforeUs,
                    DeadlineUs = notBeforeUs + (long)options.Timeout.TotalMicroseconds,
                };
                workers.Broadcast(arm);

                await workers.ExpectAllAsync(ControlMessage.ArmedType, ct);
                long publishUs = WallClock.NowMicroseconds();
                publisher.Publish(topics, options.MessagesPerRound);
                ControlMessage[] results = await workers.ExpectAllAsync(ControlMessage.ResultType, ct);
                tallies.Add((RoundTally.Merge(results.Select(r => r.Tally!).ToArray()), publishUs));
                await publisher.FinishAsync(ct);
                if (round < options.Rounds)
                {
                    await Task.Delay(options.Interval, ct);
                }
            }

            workers.Broadcast(new ControlMessage { Type = ControlMessage.StopType });

            ControlMessage[] stopped = await workers.ExpectAllAsync(ControlMessage.StoppedType, ct);
            if (tallies.Count > 0)
            {
                // Stragglers after the last window closed are only known now.
                tallies[^1].Tally.Late += stopped.Sum(s => s.Late);
                tallies[^1].Tally.Duplicates += stopped.Sum(s => s.Duplicates);
            }

            report.EndUnixMs = WallClock.NowMilliseconds();
        }
        finally
        {
            foreach (WorkerProcess worker in workers)
            {
                await worker.DisposeAsync();
            }
        }

        RoundReport[] rounds = tallies.Select(t => RoundReport.From(t.Tally, options.Clients, t.PublishUs, report.SetupMs)).ToArray();
        RoundTally[] merged = tallies.Select(t => t.Tally).ToArray();
        report.Rounds = rounds;
        report.Summary = rounds.Length == 0 ? null : RoundReport.Summarize(merged, rounds, options.Clients, report.SetupMs);

        // Round 1 carries the warm-up (the first run of the bot's delivery path, and of the server's fan-out path when
        // the server is fresh): the summary keeps it, so good/bad/lost cover every client-round, and this one leaves it out.
        report.SummaryWithoutWarmUp = rounds.Length < 2 ? null : RoundReport.Summarize(merged[1..], rounds[1..], options.Clients, report.SetupMs);
        return report;
    }

    /// <summary>
    /// The plain reconnect storm: every worker resets all its connections at once and sets every client up again (no
    /// resume), reported as setup is; the tally says when the first went and the last was back.
    /// </summary>
    private static async Task<(StormCutReport Storm, double Ms)> ReconnectStormAsync(List<WorkerProcess> workers, long clients, IAnsiConsole? progress, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        workers.Broadcast(new ControlMessage { Type = ControlMessage.ReconnectType });

        Task<ControlMessage[]> ready = workers.ExpectAllAsync(ControlMessage.ReadyType, ct);
        (ControlMessage[] readies, double ms) = await SetupProgress.WaitAsync(progress, clients, workers, ready, started, "reconnect storm");
        StormEpisodeTally merged = StormEpisodeTally.Merge(1, readies.Select(r => r.Episode ?? new StormEpisodeTally()).ToArray());
        return (StormCutReport.From(merged), ms);
    }
}
