using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>Data that is already UTF-8 JSON (checked by <see cref="Validate"/> first). Empty means <c>null</c>.</summary>
public readonly struct RawJsonData(ReadOnlyMemory<byte> utf8Json) : IJsonData
{
    /// <summary>Throws <see cref="ArgumentException"/> unless the bytes are one JSON value (or empty).</summary>
    public static void Validate(ReadOnlyMemory<byte> utf8Json, [CallerArgumentExpression(nameof(utf8Json))] string? paramName = null)
    {
        if (utf8Json.IsEmpty)
        {
            return;
        }

        var reader = new Utf8JsonReader(utf8Json.Span);
        try
        {
            reader.Read();
            reader.Skip();

            // Anything after the value (other than whitespace) makes the reader throw here.
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The data is not one valid JSON value: " + ex.Message, paramName, ex);
        }
    }

    /// <inheritdoc />
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (utf8Json.IsEmpty)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(utf8Json.Span, skipInputValidation: true);
        }
    }
}
