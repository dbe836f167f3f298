using HdrHistogram;

namespace Janus.Bot.Results;

/// <summary>
/// Records latencies (microseconds) for one round on one receive thread: an HdrHistogram for percentiles, and exact
/// counts for the original report's 500 ms buckets, min and max (the histogram rounds, the report must not).
/// Not thread-safe; allocation-free per value.
/// </summary>
internal sealed class LatencyRecorder
{
    /// <summary>The largest latency the histogram tracks: an hour, far beyond any window.</summary>
    public const long HighestTrackableMicroseconds = 3_600_000_000;

    /// <summary>Three significant digits: 0.1 % resolution.</summary>
    public const int SignificantDigits = 3;

    private readonly LongHistogram _histogram = NewHistogram();
    private readonly long[] _buckets = new long[LatencyStats.BucketCount];
    private long _count;
    private long _min = long.MaxValue;
    private long _max;
    private long _sum;

    public long Count => _count;

    public static LongHistogram NewHistogram() => new(1, HighestTrackableMicroseconds, SignificantDigits);

    public void Record(long latencyMicroseconds)
    {
        // Both clocks are this machine's wall clock; a step back (NTP) can still make a value negative.
        long value = Math.Clamp(latencyMicroseconds, 0, HighestTrackableMicroseconds);
        _histogram.RecordValue(value);
        _buckets[LatencyStats.BucketIndex(value)]++;
        _count++;
        _sum += value;
        if (value < _min)
        {
            _min = value;
        }

        if (value > _max)
        {
            _max = value;
        }
    }

    public LatencyStats ToStats() => LatencyStats.Create(_count, _count == 0 ? 0 : _min, _max, _sum, (long[])_buckets.Clone(), _histogram);
}
