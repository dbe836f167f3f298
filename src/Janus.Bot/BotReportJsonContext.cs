using System.Text.Json.Serialization;
using Janus.Bot.Results;
using Janus.Bot.Storm;
using Janus.Bot.Workload;

namespace Janus.Bot;

/// <summary>The <c>--json</c> report, indented for people and parsed by scripts (bench/run).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BotReport))]
[JsonSerializable(typeof(StormReport))]
[JsonSerializable(typeof(WorkloadReport))]
internal sealed partial class BotReportJsonContext : JsonSerializerContext;
