namespace Janus.Server.Metrics;

/// <summary>Percentiles of a set of latencies, in milliseconds, and how many fell into each histogram bucket.</summary>
/// <param name="Count">How many latencies.</param>
/// <param name="P50">Median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">The largest.</param>
/// <param name="Buckets">Counts per bucket: values up to each bound, then one more bucket for values above the last.</param>
public sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max, long[] Buckets);
