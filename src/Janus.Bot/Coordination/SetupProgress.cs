using System.Diagnostics;
using Spectre.Console;
using static System.FormattableString;

namespace Janus.Bot.Coordination;

/// <summary>
/// Shows setup progress on stderr (stdout carries the report): live bars on a terminal; on a pipe or a file, one
/// plain line a second and a last line when setup ends, so logs of non-interactive runs show how setup went.
/// </summary>
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

    public static Task ShowAsync(IAnsiConsole console, long total, IReadOnlyList<WorkerProcess> workers, Task until)
    {
        ArgumentNullException.ThrowIfNull(console);
        return console.Profile.Capabilities.Interactive
            ? ShowLiveAsync(console, total, workers, until)
            : ShowLinesAsync(console, total, workers, until);
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

    private static async Task ShowLinesAsync(IAnsiConsole console, long total, IReadOnlyList<WorkerProcess> workers, Task until)
    {
        long started = Stopwatch.GetTimestamp();
        while (!until.IsCompleted)
        {
            await Task.WhenAny(until, Task.Delay(LineInterval));
            if (!until.IsCompleted)
            {
                Line(console, "setup", total, workers, started);
            }
        }

        Line(console, "setup done", total, workers, started);
    }

    private static void Line(IAnsiConsole console, string label, long total, IReadOnlyList<WorkerProcess> workers, long started)
    {
        (long c, long s, long f) = Sum(workers);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        console.WriteLine(Invariant($"{label}: {s}/{total} subscribed, {c} connected, {f} failed ({seconds:F1}s)"));
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
