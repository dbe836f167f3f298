using System.Diagnostics;
using Spectre.Console;
using static System.FormattableString;

namespace Janus.Bot.Coordination;

/// <summary>
/// Waits for setup and shows its progress on stderr (stdout carries the report): live bars on a terminal; on a pipe or
/// a file, one plain line a second; then, either way, a last line when setup ends, so logs of non-interactive runs show
/// how setup went.
/// </summary>
/// <remarks>
/// The setup time is taken the moment the last worker reports ready, before any progress line is printed: measured
/// after the display, it once included the first write to the console (tens to hundreds of milliseconds of JIT and
/// terminal probing), so the report said 513 ms where the progress line said 0.3 s. Both now show the one figure.
/// </remarks>
internal static class SetupProgress
{
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(1);

    public static IAnsiConsole CreateConsole() =>
        AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            // Spectre decides from stdout, but stdout carries the report and is often a file: ask about stderr.
            Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Yes,
        });

    /// <summary>
    /// Waits until every worker is ready, showing progress on <paramref name="console"/> when there is one, and returns
    /// the workers' ready messages and the setup time: from <paramref name="started"/> (a <see cref="Stopwatch"/>
    /// timestamp taken when the workers were told to connect) to the last ready.
    /// </summary>
    public static async Task<(ControlMessage[] Readies, double SetupMs)> WaitAsync(
        IAnsiConsole? console, long total, IReadOnlyList<WorkerProcess> workers, Task<ControlMessage[]> ready, long started, string phase = "setup")
    {
        ArgumentNullException.ThrowIfNull(ready);
        Task<double> setup = MeasureAsync(ready, started);
        if (console is not null)
        {
            if (console.Profile.Capabilities.Interactive)
            {
                await ShowLiveAsync(console, total, workers, setup);
            }
            else
            {
                await ShowLinesAsync(console, total, workers, setup, started, phase);
            }

            if (setup.IsCompletedSuccessfully)
            {
                (long c, long s, long f) = Sum(workers);
                console.WriteLine(Invariant($"{phase} done: {s}/{total} subscribed, {c} connected, {f} failed, {phase}: {setup.Result:F2}ms"));
            }
        }

        return (await ready, await setup);
    }

    private static async Task<double> MeasureAsync(Task<ControlMessage[]> ready, long started)
    {
        await ready.ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static async Task ShowLiveAsync(IAnsiConsole console, long total, IReadOnlyList<WorkerProcess> workers, Task until)
    {
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask connected = context.AddTask("connected", maxValue: total);
                ProgressTask subscribed = context.AddTask("subscribed", maxValue: total);
                ProgressTask failed = context.AddTask("failed", maxValue: total);
                while (true)
                {
                    (long c, long s, long f) = Sum(workers);
                    connected.Value = c;
                    subscribed.Value = s;
                    failed.Value = f;
                    if (until.IsCompleted)
                    {
                        break;
                    }

                    await Task.WhenAny(until, Task.Delay(200));
                }
            });
    }

    private static async Task ShowLinesAsync(IAnsiConsole console, long total, IReadOnlyList<WorkerProcess> workers, Task until, long started, string phase)
    {
        while (!until.IsCompleted)
        {
            await Task.WhenAny(until, Task.Delay(LineInterval));
            if (!until.IsCompleted)
            {
                (long c, long s, long f) = Sum(workers);
                double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                console.WriteLine(Invariant($"{phase}: {s}/{total} subscribed, {c} connected, {f} failed ({seconds:F1}s so far)"));
            }
        }
    }

    private static (long Connected, long Subscribed, long Failed) Sum(IReadOnlyList<WorkerProcess> workers)
    {
        long c = 0, s = 0, f = 0;
        foreach (WorkerProcess worker in workers)
        {
            c += worker.Connected;
            s += worker.Subscribed;
            f += worker.Failed;
        }

        return (c, s, f);
    }
}
