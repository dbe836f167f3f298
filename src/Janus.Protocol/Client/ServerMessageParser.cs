using System.Text;
using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>
/// Reads the server's JSON messages with <see cref="Utf8JsonReader"/>: any key order, unknown keys skipped, nothing
/// allocated but the strings a caller keeps (and those come from a <see cref="Utf8StringCache"/> when one is given).
/// </summary>
public static class ServerMessageParser
{
    /// <summary>How every Janus delivery starts (the greeting too, but it only comes first).</summary>
    public static ReadOnlySpan<byte> DeliveryStart => "{\"timestamp\":"u8;

    /// <summary>Parses one message (without its 0x01); false if it is not valid JSON.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, Utf8StringCache? strings, out ServerMessage message)
    {
        message = default;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
            }
            else
            {
                ReadProperties(ref reader, json, strings, ref message);
            }

            // Anything after the value (other than whitespace) makes the reader throw here.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return false;
        }

        message.Kind = message.ErrorCode is not null ? ServerMessageKind.Error
            : message.Topic is not null && message.HasTimestamp ? ServerMessageKind.Delivery
            : message.Token is not null ? ServerMessageKind.Greeting
            : message.SubscribedTopic is not null ? ServerMessageKind.Subscribed
            : message.Resumed is not null ? ServerMessageKind.Resumed
            : message.Hello.IsPresent ? ServerMessageKind.Hello
            : ServerMessageKind.Other;
        return true;
    }

    private static void ReadProperties(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Utf8StringCache? strings, ref ServerMessage message)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("timestamp"u8))
            {
                JsonValueRange range = ReadRange(ref reader);
                message.HasTimestamp = ErlangTimestamp.TryParse(range.Slice(json), out message.Timestamp, out _);
            }
            else if (reader.ValueTextEquals("topic"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    message.Topic = GetString(ref reader, strings);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("event"u8))
            {
                message.Event = ReadText(ref reader, json, strings);
            }
            else if (reader.ValueTextEquals("message_id"u8))
            {
                message.MessageId = ReadRange(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                message.Data = ReadRange(ref reader);
            }
            else if (reader.ValueTextEquals("token"u8))
            {
                message.Token = ReadToken(ref reader, json);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                message.ErrorCode = ReadText(ref reader, json, strings: null) ?? string.Empty;
            }
            else if (reader.ValueTextEquals("reason"u8))
            {
                message.ErrorReason = ReadText(ref reader, json, strings: null);
            }
            else if (reader.ValueTextEquals("offset"u8))
            {
                reader.Read();
                message.HasOffset = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out message.Offset);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("epoch"u8))
            {
                message.Epoch = ReadText(ref reader, json, strings);
            }
            else if (reader.ValueTextEquals("subscribed"u8))
            {
                message.SubscribedTopic = ReadText(ref reader, json, strings);
            }
            else if (reader.ValueTextEquals("recovered"u8))
            {
                message.Recovered = ReadBoolean(ref reader);
            }
            else if (reader.ValueTextEquals("resumed"u8))
            {
                message.Resumed = ReadBoolean(ref reader);
            }
            else if (reader.ValueTextEquals("hello"u8))
            {
                message.Hello = ReadRange(ref reader);
            }
            else if (reader.ValueTextEquals("topics"u8))
            {
                message.Topics = ReadRange(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>
    /// Reads a resume answer's <c>topics</c> object, <c>{"news":{"offset":63,"epoch":"…","recovered":true}, …}</c>:
    /// each topic with its position (null if the entry has none) and its <c>recovered</c> flag (null if absent).
    /// Entries that are not objects are skipped.
    /// </summary>
    /// <param name="json">The whole message the range points into.</param>
    /// <param name="topics">The message's <see cref="ServerMessage.Topics"/>.</param>
    public static List<(string Topic, StreamPosition? Position, bool? Recovered)> ReadTopics(ReadOnlySpan<byte> json, JsonValueRange topics)
    {
        var result = new List<(string, StreamPosition?, bool?)>();
        if (!topics.IsPresent)
        {
            return result;
        }

        var reader = new Utf8JsonReader(topics.Slice(json));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return result;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string topic = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            long offset = 0;
            bool hasOffset = false;
            string? epoch = null;
            bool? recovered = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("offset"u8))
                {
                    reader.Read();
                    hasOffset = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out offset);
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("epoch"u8))
                {
                    reader.Read();
                    epoch = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("recovered"u8))
                {
                    recovered = ReadBoolean(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            result.Add((topic, hasOffset && epoch is not null ? new StreamPosition(offset, epoch) : null, recovered));
        }

        return result;
    }

    private static bool? ReadBoolean(ref Utf8JsonReader reader)
    {
        reader.Read();
        bool? value = reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => null,
        };
        reader.Skip();
        return value;
    }

    /// <summary>Moves to the value and returns where it sits (quotes included for strings).</summary>
    private static JsonValueRange ReadRange(ref Utf8JsonReader reader)
    {
        reader.Read();
        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        return new JsonValueRange(start, (int)reader.BytesConsumed - start);
    }

    /// <summary>A string value unescaped; <c>null</c> for JSON null; the raw JSON text of any other value.</summary>
    private static string? ReadText(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Utf8StringCache? strings)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return GetString(ref reader, strings);
            case JsonTokenType.Null:
                return null;
            default:
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
        }
    }

    /// <summary>
    /// The greeting's token: a string from Janus for .NET; the 2009 Erlang server sent it as an array of 32 character
    /// codes (an accident of its JSON library), which is read back into the same string. Any other value comes back
    /// as its raw JSON text (the original bot accepted any token).
    /// </summary>
    private static string? ReadToken(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            default:
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                ReadOnlySpan<byte> value = json[start..(int)reader.BytesConsumed];
                return TryDecodeCharacterCodes(value, out string? token) ? token : Encoding.UTF8.GetString(value);
        }
    }

    private static bool TryDecodeCharacterCodes(ReadOnlySpan<byte> array, out string? text)
    {
        text = null;
        var reader = new Utf8JsonReader(array);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var builder = new StringBuilder(ServerMessages.TokenLength);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int code) || code is < 0 or > char.MaxValue)
            {
                return false;
            }

            builder.Append((char)code);
        }

        text = builder.ToString();
        return true;
    }

    private static string GetString(ref Utf8JsonReader reader, Utf8StringCache? strings) =>
        strings is null ? reader.GetString()! : strings.GetString(ref reader);
}
