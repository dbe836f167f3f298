using System.Text.Json.Serialization;
using HdrHistogram;
using HdrHistogram.Utilities;

namespace Janus.Bot.Results;

/// <summary>
/// Latencies in a form that crosses process boundaries and merges exactly: count, sum, min, max, the original report's
/// bucket counts, and the HdrHistogram (compressed, base64) for percentiles.
/// </summary>
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

    /// <summary>The HdrHistogram, compressed and base64-encoded.</summary>
    public string Histogram { get; set; } = "";

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
            byte[] bytes = Convert.FromBase64String(Histogram);
            _histogram = HistogramEncoding.DecodeFromCompressedByteBuffer(ByteBuffer.Allocate(bytes), LatencyRecorder.HighestTrackableMicroseconds);
        }

        return _histogram;
    }

    private static string Encode(HistogramBase histogram)
    {
        // ByteBuffer exposes no array: read the encoded bytes back one by one (a few hundred, once per round).
        ByteBuffer buffer = ByteBuffer.Allocate(histogram.GetNeededByteBufferCapacity());
        int length = histogram.EncodeIntoCompressedByteBuffer(buffer);
        buffer.Position = 0;
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = buffer.Get();
        }

        return Convert.ToBase64String(bytes);
    }
}
