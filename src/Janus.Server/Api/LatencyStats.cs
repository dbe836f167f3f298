namespace Janus.Server.Api;

/// <summary>Fan-out latency over recent publishes.</summary>
/// <param name="WindowSeconds">How far back publishes count (the newest 8,192 of them at most).</param>
/// <param name="BucketBoundsMs">Upper bounds of the histogram buckets in milliseconds; the last bucket is everything above.</param>
/// <param name="Enqueue">From the publish timestamp to the message queued for its last subscriber.</param>
/// <param name="Write">From the publish timestamp to the message written for its last subscriber.</param>
public sealed record LatencyStats(int WindowSeconds, IReadOnlyList<double> BucketBoundsMs, LatencyPercentiles Enqueue, LatencyPercentiles Write);
