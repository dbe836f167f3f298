using static System.FormattableString;

namespace Janus.Bot.Results;

/// <summary>
/// The original bot's report, byte for byte. From its <c>bot.erl</c> and <c>histo.erl</c>:
/// <code>
/// setup: ~.2.0fms, good: ~p, bad: ~p, run: ~.2.0fms
/// ~10.4. fms | ~-6.. w          (min)
/// ~10.4. fms | ~-6.. w - ~6.2. f%   (one line per bucket)
/// ~10.4. fms | ~-6.. w          (max)
/// </code>
/// Bucket edges are 500 ms … 5000 ms, then the max; a bucket counts latencies above the previous edge up to and
/// including its own; the list stops at the bucket holding the largest latency (empty buckets before it are shown,
/// none after); percent is of all recorded latencies. Where Erlang would print asterisks for a number wider than
/// its field, this prints the number.
/// </summary>
internal static class ClassicReport
{
    /// <summary>Writes the original's lines.</summary>
    public static void Write(TextWriter writer, double setupMs, long good, long bad, double runMs, LatencyStats latency)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(latency);
        writer.WriteLine(Invariant($"setup: {setupMs:F2}ms, good: {good}, bad: {bad}, run: {runMs:F2}ms"));
        writer.WriteLine(Invariant($"{latency.MinMicroseconds / 1000.0,10:F4}ms | {"min",-6}"));
        foreach (ReportBucket bucket in Buckets(latency))
        {
            writer.WriteLine(Invariant($"{bucket.EdgeMs,10:F4}ms | {bucket.Count,-6} - {bucket.Percent,6:F2}%"));
        }

        writer.WriteLine(Invariant($"{latency.MaxMicroseconds / 1000.0,10:F4}ms | {"max",-6}"));
    }

    /// <summary>The bucket lines the original would print for these latencies.</summary>
    public static IReadOnlyList<ReportBucket> Buckets(LatencyStats latency)
    {
        ArgumentNullException.ThrowIfNull(latency);
        int last = 0;
        for (int i = 0; i < LatencyStats.BucketCount; i++)
        {
            if (latency.Buckets[i] > 0)
            {
                last = i;
            }
        }

        var buckets = new List<ReportBucket>(last + 1);
        for (int i = 0; i <= last; i++)
        {
            long edgeMicroseconds = i < LatencyStats.BucketCount - 1 ? (i + 1) * LatencyStats.BucketWidthMicroseconds : latency.MaxMicroseconds;
            long count = latency.Buckets[i];
            double percent = latency.Count == 0 ? 0 : (double)count / latency.Count * 100;
            buckets.Add(new ReportBucket(edgeMicroseconds / 1000.0, count, percent));
        }

        return buckets;
    }
}
