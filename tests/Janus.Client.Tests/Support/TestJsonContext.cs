using System.Text.Json.Serialization;

namespace Janus.Client.Tests.Support;

[JsonSerializable(typeof(Quote))]
[JsonSerializable(typeof(string))]
internal sealed partial class TestJsonContext : JsonSerializerContext
{
}
