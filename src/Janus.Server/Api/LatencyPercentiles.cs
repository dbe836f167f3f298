namespace Janus.Server.Api;

/// <summary>One latency's percentiles and histogram, in milliseconds (all zero when <paramref name="Count"/> is 0).</summary>
/// <param name="Count">Publishes measured.</param>
/// <param name="P50Ms">Median.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="MaxMs">The largest.</param>
/// <param name="Buckets">Publishes per bucket of <see cref="LatencyStats.BucketBoundsMs"/>, plus one for above the last bound.</param>
public sealed record LatencyPercentiles(int Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs, IReadOnlyList<long> Buckets);
