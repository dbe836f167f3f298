namespace Janus.Server.Metrics;

/// <summary>
/// The latest <see cref="Capacity"/> latencies in a ring, for percentiles over recent publishes (the meter's
/// histograms are cumulative since start, which hides what is happening now). Recording is one atomic increment
/// and one store, from any thread, once per publish; reading copies a range and sorts it, off the hot path.
/// </summary>
/// <remarks>
/// A reader may race a writer that has taken a slot but not yet stored into it and see that slot's previous value:
/// acceptable for statistics, and the price of taking no lock on the publish path.
/// </remarks>
public sealed class LatencyRecorder
{
    /// <summary>How many recent values are kept; a power of two.</summary>
    public const int Capacity = 8192;

    private readonly long[] _values = new long[Capacity];
    private long _count;

    /// <summary>Values recorded since start; also the position the next one goes to.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Records one latency in milliseconds.</summary>
    public void Record(double milliseconds)
    {
        long index = Interlocked.Increment(ref _count) - 1;
        Volatile.Write(ref _values[index & (Capacity - 1)], BitConverter.DoubleToInt64Bits(milliseconds));
    }

    /// <summary>
    /// Summarises the values recorded at positions <paramref name="from"/> to <paramref name="to"/> (exclusive;
    /// only the latest <see cref="Capacity"/> are still there), counting them into <paramref name="bucketBounds"/>.
    /// </summary>
    public LatencySummary Summarize(long from, long to, IReadOnlyList<double> bucketBounds)
    {
        ArgumentNullException.ThrowIfNull(bucketBounds);
        to = Math.Min(to, Count);
        long start = Math.Max(from, to - Capacity);
        int count = (int)Math.Max(0, to - start);
        long[] buckets = new long[bucketBounds.Count + 1];
        if (count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, buckets);
        }

        double[] values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = BitConverter.Int64BitsToDouble(Volatile.Read(ref _values[(start + i) & (Capacity - 1)]));
        }

        Array.Sort(values);
        int bucket = 0;
        foreach (double value in values)
        {
            while (bucket < bucketBounds.Count && value > bucketBounds[bucket])
            {
                bucket++;
            }

            buckets[bucket]++;
        }

        return new LatencySummary(count, Percentile(values, 0.50), Percentile(values, 0.90), Percentile(values, 0.99), values[^1], buckets);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double quantile)
    {
        int rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
