using System.Text.Json.Serialization;
using HdrHistogram;
using HdrHistogram.Iteration;

namespace Janus.Bot.Results;

/// <summary>
/// Latencies in a form that crosses process boundaries and merges exactly: count, sum, min, max, the original report's
/// bucket counts, and the HdrHistogram's recorded buckets for percentiles.
/// </summary>
/// <remarks>
/// The histogram travels as its non-empty buckets, <c>[value, count, value, count, …]</c>, where each value is its
/// bucket's highest equivalent value, so recording it again lands in the same bucket: the merge is exact. (HdrHistogram's
/// own compressed encoding failed to decode for a histogram of a million wide-spread values.)
/// </remarks>
internal sealed class LatencyStats
{
    /// <summary>The original's bucket width: 500 ms.</summary>
    public const long BucketWidthMicroseconds = 500_000;

    /// <summary>Ten 500 ms buckets up to 5 s, and one for everything above (whose edge is the max).</summary>
    public const int BucketCount = 11;

    private HistogramBase? _histogram;

    public long Count { get; set; }

    public long MinMicroseconds { get; set; }

    public long MaxMicroseconds { get; set; }

    public long SumMicroseconds { get; set; }

    /// <summary>Bucket i (i &lt; 10) counts latencies in ((i)·500 ms, (i+1)·500 ms]; bucket 10 those above 5 s.</summary>
    public long[] Buckets { get; set; } = new long[BucketCount];

    /// <summary>The HdrHistogram's non-empty buckets: value, count, value, count, …</summary>
    public long[] Histogram { get; set; } = [];

    /// <summary>Which bucket a latency falls in: an edge value belongs to the bucket it ends, as in the original.</summary>
    public static int BucketIndex(long microseconds) =>
        microseconds <= 0 ? 0 : (int)Math.Min((microseconds - 1) / BucketWidthMicroseconds, BucketCount - 1);

    public static LatencyStats Empty() => Create(0, 0, 0, 0, new long[BucketCount], LatencyRecorder.NewHistogram());

    public static LatencyStats Create(long count, long min, long max, long sum, long[] buckets, HistogramBase histogram)
    {
        var stats = new LatencyStats
        {
            Count = count,
            MinMicroseconds = min,
            MaxMicroseconds = max,
            SumMicroseconds = sum,
            Buckets = buckets,
            Histogram = Encode(histogram),
        };
        stats._histogram = histogram;
        return stats;
    }

    /// <summary>Adds several sets of latencies into one, exactly (counts, min, max) and by histogram addition.</summary>
    public static LatencyStats Merge(IEnumerable<LatencyStats> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        LongHistogram histogram = LatencyRecorder.NewHistogram();
        long count = 0, sum = 0, min = long.MaxValue, max = 0;
        long[] buckets = new long[BucketCount];
        foreach (LatencyStats part in parts)
        {
            if (part.Count == 0)
            {
                continue;
            }

            count += part.Count;
            sum += part.SumMicroseconds;
            min = Math.Min(min, part.MinMicroseconds);
            max = Math.Max(max, part.MaxMicroseconds);
            for (int i = 0; i < BucketCount; i++)
            {
                buckets[i] += part.Buckets[i];
            }

            histogram.Add(part.Decoded());
        }

        return Create(count, count == 0 ? 0 : min, max, sum, buckets, histogram);
    }

    /// <summary>The latency at a percentile (0–100), in microseconds; 0 when nothing was recorded.</summary>
    public long Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        // The histogram reports the top of a value's 0.1 % band; never report more than the exact max.
        return Math.Min(Decoded().GetValueAtPercentile(percentile), MaxMicroseconds);
    }

    [JsonIgnore]
    public double MeanMicroseconds => Count == 0 ? 0 : (double)SumMicroseconds / Count;

    private HistogramBase Decoded()
    {
        if (_histogram is null)
        {
            LongHistogram histogram = LatencyRecorder.NewHistogram();
            for (int i = 0; i + 1 < Histogram.Length; i += 2)
            {
                histogram.RecordValueWithCount(Histogram[i], Histogram[i + 1]);
            }

            _histogram = histogram;
        }

        return _histogram;
    }

    private static long[] Encode(HistogramBase histogram)
    {
        var pairs = new List<long>();
        foreach (HistogramIterationValue bucket in histogram.RecordedValues())
        {
            pairs.Add(bucket.ValueIteratedTo);
            pairs.Add(bucket.CountAtValueIteratedTo);
        }

        return [.. pairs];
    }
}
