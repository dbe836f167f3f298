using Janus.Bot.Results;

namespace Janus.Bot.Storm;

/// <summary>A set of latencies (or durations) as reported: count and milliseconds at the usual percentiles.</summary>
internal sealed record StormLatency(long Count, double MinMs, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static StormLatency From(LatencyStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new StormLatency(
            stats.Count,
            stats.MinMicroseconds / 1000.0,
            stats.MeanMicroseconds / 1000.0,
            stats.Percentile(50) / 1000.0,
            stats.Percentile(90) / 1000.0,
            stats.Percentile(99) / 1000.0,
            stats.Percentile(99.9) / 1000.0,
            stats.MaxMicroseconds / 1000.0);
    }
}
