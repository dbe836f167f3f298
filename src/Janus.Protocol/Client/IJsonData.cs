using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>
/// A publish's <c>data</c> value, written by the implementing struct so that each kind of value (raw bytes, a
/// <see cref="JsonElement"/>, a typed value) is written without boxing or a delegate.
/// </summary>
public interface IJsonData
{
    /// <summary>Writes the value.</summary>
    void WriteTo(Utf8JsonWriter writer);
}
