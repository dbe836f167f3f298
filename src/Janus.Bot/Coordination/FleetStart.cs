using System.Diagnostics;
using Janus.Bot.Worker;
using Spectre.Console;

namespace Janus.Bot.Coordination;

/// <summary>
/// The start every coordinator (<c>test</c>, <c>storm</c>, <c>workload</c>) shares: starts a plan's worker processes,
/// waits for every worker's hello, tells them all to connect and waits, showing progress, until every one is ready;
/// then fills in the report's setup figures.
/// </summary>
internal static class FleetStart
{
    /// <summary>
    /// Starts <paramref name="plan"/>'s workers into <paramref name="workers"/> (the caller's list, so that the caller
    /// disposes of those started even when a later one fails) and sets them up. When no client subscribed and
    /// <paramref name="noneSubscribed"/> is not null, throws an <see cref="InvalidOperationException"/> with that message
    /// (each command says what to check).
    /// </summary>
    public static async Task StartAsync(
        IReadOnlyList<WorkerConfig> plan,
        List<WorkerProcess> workers,
        ISetupReport report,
        long clients,
        TextWriter diagnostics,
        IAnsiConsole? progress,
        string? noneSubscribed,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(report);
        foreach (WorkerConfig config in plan)
        {
            workers.Add(WorkerProcess.Start(config, diagnostics));
        }

        await workers.ExpectAllAsync(ControlMessage.HelloType, ct);

        // Setup: from the go signal until every client is subscribed (or given up).
        report.StartUnixMs = WallClock.NowMilliseconds();
        long started = Stopwatch.GetTimestamp();
        workers.Broadcast(new ControlMessage { Type = ControlMessage.ConnectType });

        Task<ControlMessage[]> ready = workers.ExpectAllAsync(ControlMessage.ReadyType, ct);
        (ControlMessage[] readies, double setupMs) = await SetupProgress.WaitAsync(progress, clients, workers, ready, started);
        report.SetupMs = setupMs;
        report.SetupDoneUnixMs = WallClock.NowMilliseconds();
        report.Subscribed = readies.Sum(r => r.Subscribed);
        report.SetupFailures = readies.Sum(r => r.Failed);
        report.BotSetupCpuMs = readies.Sum(r => r.CpuUs) / 1000.0;
        if (noneSubscribed is not null && report.Subscribed == 0)
        {
            throw new InvalidOperationException(noneSubscribed);
        }
    }
}
