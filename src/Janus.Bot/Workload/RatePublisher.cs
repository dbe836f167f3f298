using System.Diagnostics;
using Janus.Bot.Coordination;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;

namespace Janus.Bot.Workload;

/// <summary>
/// Publishes a workload at a steady rate over several publisher connections (any protocol's <see cref="IPublisher"/>):
/// every tick, the messages due since the start are drawn (topic by <see cref="WorkloadTopics.NextPublishTopic"/>),
/// handed to the connection of their topic (topic mod connections, so a topic's messages keep their order) as one
/// round each, and logged with their numbers and the write's interval (<see cref="PublishLog"/>).
/// </summary>
/// <remarks>
/// A round is prepared, published and finished as <c>test</c> does it (Redis reads its publishes' replies at the
/// finish, so they never pile up in its output buffer). A tick that falls behind (a slow finish) publishes what is due
/// at the next: the rate holds on average, and the achieved rate is reported.
/// </remarks>
internal static class RatePublisher
{
    /// <summary>How often the publisher wakes: small enough to look steady, large enough to batch.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    /// <summary>Publishes until <paramref name="stop"/> is cancelled; <paramref name="abort"/> fails the run.</summary>
    public static async Task<PublishLog> RunAsync(
        IReadOnlyList<IPublisher> publishers, WorkloadTopics topics, double rate, int seed, CancellationToken stop, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(publishers);
        ArgumentNullException.ThrowIfNull(topics);
        MessageNumbering numbering = MessageNumbering.Begin();
        var log = new PublishLog();
        var random = new Random(seed);
        var names = new List<string>[publishers.Count];
        var indexes = new List<int>[publishers.Count];
        var finishes = new List<Task>(publishers.Count);
        for (int p = 0; p < publishers.Count; p++)
        {
            names[p] = [];
            indexes[p] = [];
        }

        using var timer = new PeriodicTimer(Tick);
        long started = Stopwatch.GetTimestamp();
        try
        {
            do
            {
                long due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate);
                for (long m = log.Count; m < due; m++)
                {
                    int topic = topics.NextPublishTopic(random);
                    int p = topic % publishers.Count;
                    names[p].Add(topics.Names[topic]);
                    indexes[p].Add(topic);
                }

                finishes.Clear();
                for (int p = 0; p < publishers.Count; p++)
                {
                    if (names[p].Count == 0)
                    {
                        continue;
                    }

                    await publishers[p].PrepareAsync(names[p].Count, abort);
                    long first = numbering.Last;
                    long beforeUs = WallClock.NowMicroseconds();
                    publishers[p].Publish(names[p], 1);
                    long afterUs = WallClock.NowMicroseconds();
                    if (numbering.Last - first != names[p].Count)
                    {
                        throw new InvalidOperationException("the publisher of this protocol does not number its messages (TestMessage.WriteStampedDelivery under a MessageNumbering): the workload cannot tell who was due what.");
                    }

                    foreach (int topic in indexes[p])
                    {
                        log.Add(topic, beforeUs, afterUs);
                    }

                    names[p].Clear();
                    indexes[p].Clear();
                    finishes.Add(publishers[p].FinishAsync(abort));
                }

                await Task.WhenAll(finishes);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            // Stopped: what was published is logged.
        }

        await Task.WhenAll(finishes);
        return log;
    }
}
