namespace Janus.Bot.Coordination;

/// <summary>What a coordinator says to all its workers at once and how it waits for all their answers.</summary>
internal static class WorkerFleet
{
    /// <summary>Sends <paramref name="message"/> to every worker.</summary>
    public static void Broadcast(this IReadOnlyList<WorkerProcess> workers, ControlMessage message)
    {
        ArgumentNullException.ThrowIfNull(workers);
        foreach (WorkerProcess worker in workers)
        {
            worker.Send(message);
        }
    }

    /// <summary>Every worker's next message, each of which must be of <paramref name="type"/>, in the workers' order.</summary>
    public static Task<ControlMessage[]> ExpectAllAsync(this IReadOnlyList<WorkerProcess> workers, string type, CancellationToken cancellationToken) =>
        Task.WhenAll(workers.Select(w => w.ExpectAsync(type, cancellationToken)));
}
