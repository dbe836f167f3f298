using System.Text.Json.Serialization;
using Janus.Bot.Coordination;

namespace Janus.Bot;

/// <summary>Source-generated JSON for the worker protocol and the <c>--json</c> report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlMessage))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
internal sealed partial class BotJsonContext : JsonSerializerContext;
