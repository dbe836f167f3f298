using System.Text.Json;

namespace Janus.Client.Framing;

/// <summary>Data held as a <see cref="JsonElement"/>.</summary>
internal readonly struct ElementJsonData(JsonElement element) : IJsonData
{
    /// <inheritdoc />
    public void WriteTo(Utf8JsonWriter writer) => element.WriteTo(writer);
}
