using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Janus.Protocol.Client;

/// <summary>A typed value serialized with the caller's (source-generated) type info.</summary>
public readonly struct TypedJsonData<T>(T value, JsonTypeInfo<T> typeInfo) : IJsonData
{
    /// <inheritdoc />
    public void WriteTo(Utf8JsonWriter writer) => JsonSerializer.Serialize(writer, value, typeInfo);
}
