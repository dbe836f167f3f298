using System.Text.Json.Serialization;
using Janus.Server.Metrics;

namespace Janus.Server.Api;

/// <summary>Source-generated JSON for every HTTP response Janus writes: snake_case names, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(StatsHistoryResponse))]
[JsonSerializable(typeof(StatsHistorySample))]
[JsonSerializable(typeof(TopicsResponse))]
[JsonSerializable(typeof(HealthReportResponse))]
internal sealed partial class JanusJsonContext : JsonSerializerContext;
