using Janus.Bot.Coordination;

namespace Janus.Bot.Worker;

/// <summary>
/// What a worker does the same way in <c>test</c> and <c>storm</c> with its receive loops: deal its clients out over
/// its I/O threads, run setup while reporting progress to the coordinator, and reply once every loop is done.
/// </summary>
internal static class LoopSetup
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The worker's clients over <c>IoThreads</c> loops (client i to loop i mod threads), each with its host, source and topic.</summary>
    public static List<(int Host, int Source, int Topic)>[] Share(WorkerConfig config, int hosts, int sources, int topics)
    {
        ArgumentNullException.ThrowIfNull(config);
        int threads = Math.Clamp(config.IoThreads, 1, Math.Max(1, config.ClientCount));
        var shares = new List<(int, int, int)>[threads];
        for (int t = 0; t < threads; t++)
        {
            shares[t] = [];
        }

        for (int i = 0; i < config.ClientCount; i++)
        {
            shares[i % threads].Add(ClientAssignment.For(config.FirstClient + i, hosts, sources, topics));
        }

        return shares;
    }

    /// <summary>
    /// Sets every loop's clients up, writing a <c>progress</c> line every 200 ms and a <c>ready</c> line (with the
    /// CPU setup took) at the end.
    /// </summary>
    public static Task RunAsync(IReadOnlyList<ReceiveLoop> loops, TimeSpan timeout, Action<ControlMessage> write) =>
        ReportAsync(loops, () => Task.WhenAll(loops.Select(l => l.SetupAsync(timeout))), write, _ => { });

    /// <summary>
    /// Runs <paramref name="start"/> (setup, or the plain reconnect storm: every loop's clients being set up) and reports
    /// it as setup is reported: <c>progress</c> every 200 ms, then <c>ready</c> with the CPU it took, completed by
    /// <paramref name="complete"/>.
    /// </summary>
    public static async Task ReportAsync(IReadOnlyList<ReceiveLoop> loops, Func<Task> start, Action<ControlMessage> write, Action<ControlMessage> complete)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(complete);
        TimeSpan cpuAtStart = Environment.CpuUsage.TotalTime;
        Task all = start();
        while (!all.IsCompleted)
        {
            write(Counts(loops, ControlMessage.ProgressType, 0));
            await Task.WhenAny(all, Task.Delay(ProgressInterval));
        }

        await all;
        ControlMessage ready = Counts(loops, ControlMessage.ReadyType, (long)(Environment.CpuUsage.TotalTime - cpuAtStart).TotalMicroseconds);
        complete(ready);
        write(ready);
    }

    /// <summary>
    /// Writes what <paramref name="message"/> makes of every loop's result once all are in, or an <c>error</c> line when
    /// a loop failed: the coordinator hears now rather than waiting for the run's bound.
    /// </summary>
    public static async Task ReplyWhenDoneAsync<T>(Task<T>[] parts, Func<T[], ControlMessage> message, Action<ControlMessage> write)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            write(message(await Task.WhenAll(parts)));
        }
        catch (Exception ex)
        {
            write(new ControlMessage { Type = ControlMessage.ErrorType, Message = ex.Message });
        }
    }

    private static ControlMessage Counts(IReadOnlyList<ReceiveLoop> loops, string type, long cpuUs)
    {
        long connected = 0, subscribed = 0, failed = 0;
        foreach (ReceiveLoop loop in loops)
        {
            connected += loop.Connected;
            subscribed += loop.Subscribed;
            failed += loop.Failed;
        }

        return new ControlMessage { Type = type, Connected = connected, Subscribed = subscribed, Failed = failed, CpuUs = cpuUs };
    }
}
