using Janus.Server.Metrics;

namespace Janus.Server.Api;

/// <summary>The answer to <c>GET /api/stats/history</c>.</summary>
/// <param name="IntervalSeconds">Seconds between samples.</param>
/// <param name="Capacity">The most samples kept.</param>
/// <param name="Samples">Samples, oldest first.</param>
public sealed record StatsHistoryResponse(int IntervalSeconds, int Capacity, IReadOnlyList<StatsHistorySample> Samples);
