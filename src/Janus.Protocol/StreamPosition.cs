using System.Text.Json;

namespace Janus.Protocol;

/// <summary>
/// A place in a topic's numbered stream: "everything up to and including <see cref="Offset"/> of
/// <see cref="Epoch"/>" (docs/sessions.md). Offsets start at 1; 0 means nothing yet. Positions of different epochs
/// are not comparable.
/// </summary>
public readonly record struct StreamPosition(long Offset, string Epoch)
{
    /// <summary>The longest epoch a client may send back.</summary>
    public const int MaxEpochLength = 32;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 8 };

    /// <summary>
    /// Reads <c>{"offset":N,"epoch":"E"}</c> (any key order, unknown keys ignored). False unless both are present,
    /// N is a non-negative integer and E a string of at most <see cref="MaxEpochLength"/> characters.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out StreamPosition position)
    {
        position = default;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool ok = TryReadObject(ref reader, out position);
            while (reader.Read())
            {
            }

            return ok;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: comparing a key unescapes it, and an escaped lone surrogate ("epo\udc00ch")
            // cannot be unescaped (found by the command parser's fuzz target: it escaped the parser and ended the
            // connection's read loop instead of answering invalid_position).
            return false;
        }
    }

    /// <summary>
    /// Reads a resume's <c>positions</c>: an object whose keys are topics and whose values are positions. False if
    /// it is not such an object, holds more than <paramref name="maxTopics"/> topics, or has a key that is not a valid
    /// topic name of at most <paramref name="maxTopicLength"/> characters (<see cref="TopicNames"/>).
    /// </summary>
    public static bool TryParseMap(ReadOnlySpan<byte> json, int maxTopics, int maxTopicLength, out Dictionary<string, StreamPosition> positions)
    {
        positions = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string topic = reader.GetString()!;
                if (!TopicNames.IsValid(topic, maxTopicLength) || positions.Count >= maxTopics)
                {
                    return false;
                }

                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !TryReadObject(ref reader, out StreamPosition position))
                {
                    return false;
                }

                positions[topic] = position;
            }

            while (reader.Read())
            {
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads the rest of an object whose start the reader is on; leaves the reader on its end.</summary>
    private static bool TryReadObject(ref Utf8JsonReader reader, out StreamPosition position)
    {
        position = default;
        long offset = -1;
        string? epoch = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out offset) || offset < 0)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("epoch"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                try
                {
                    epoch = reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return false;
                }

                if (epoch!.Length > MaxEpochLength)
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (offset < 0 || epoch is null)
        {
            return false;
        }

        position = new StreamPosition(offset, epoch);
        return true;
    }
}
