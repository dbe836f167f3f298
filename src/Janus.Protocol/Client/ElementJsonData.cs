using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>Data held as a <see cref="JsonElement"/>.</summary>
public readonly struct ElementJsonData(JsonElement element) : IJsonData
{
    /// <inheritdoc />
    public void WriteTo(Utf8JsonWriter writer) => element.WriteTo(writer);
}
