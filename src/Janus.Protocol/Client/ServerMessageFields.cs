using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>
/// Reads the few fields a load generator needs from a server message in place, with <see cref="Utf8JsonReader"/>
/// over the received bytes: the spans it returns point into the message, nothing is allocated (janus-bot reads
/// every delivery of its storm this way). Any key order; unknown keys skipped. A client that keeps what it reads
/// uses <see cref="ServerMessageParser"/> instead.
/// </summary>
public static class ServerMessageFields
{
    /// <summary>
    /// The greeting's token as its raw bytes: a string without escapes (Janus writes 32 hex characters). False when
    /// there is none, or it is not such a string (the 2009 server's array of character codes).
    /// </summary>
    public static bool TryReadToken(ReadOnlySpan<byte> greeting, out ReadOnlySpan<byte> token)
    {
        ReadFields(greeting, "token"u8, out token, out _, out _, out _, out _);
        return !token.IsEmpty;
    }

    /// <summary>
    /// A delivery's topic, <c>message_id</c> when it is a whole number (-1 when not: a load generator numbers its
    /// publishes to check order), <c>offset</c> and <c>epoch</c> (docs/sessions.md). False unless topic, offset and
    /// epoch are all there: a delivery to a client that did not opt in has no position.
    /// </summary>
    public static bool TryReadDelivery(ReadOnlySpan<byte> delivery, out ReadOnlySpan<byte> topic, out long messageId, out long offset, out ReadOnlySpan<byte> epoch) =>
        ReadFields(delivery, "topic"u8, out topic, out messageId, out offset, out epoch, out _) && HasPosition(topic, offset, epoch);

    /// <summary>
    /// A delivery's topic and numeric <c>message_id</c> (-1 when it is not a whole number), with or without a position:
    /// what a load generator that numbers its publishes reads from a client that did not opt in (janus-bot's workload).
    /// </summary>
    public static bool TryReadNumberedDelivery(ReadOnlySpan<byte> delivery, out ReadOnlySpan<byte> topic, out long messageId) =>
        ReadFields(delivery, "topic"u8, out topic, out messageId, out _, out _, out _) && !topic.IsEmpty;

    /// <summary>A <c>subscribed</c> answer; <paramref name="recovered"/> is null when the answer has no such key.</summary>
    public static bool TryReadSubscribed(ReadOnlySpan<byte> answer, out ReadOnlySpan<byte> topic, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered) =>
        ReadFields(answer, "subscribed"u8, out topic, out _, out offset, out epoch, out recovered) && HasPosition(topic, offset, epoch);

    private static bool HasPosition(ReadOnlySpan<byte> topic, long offset, ReadOnlySpan<byte> epoch) => !topic.IsEmpty && offset >= 0 && !epoch.IsEmpty;

    /// <summary>
    /// One pass over an object's top-level keys: the unescaped string under <paramref name="nameKey"/> (the topic of a
    /// delivery, of a <c>subscribed</c> answer, or the greeting's token), a numeric <c>message_id</c>, <c>offset</c>,
    /// <c>epoch</c> and boolean <c>recovered</c>; whatever is absent keeps its default. False when the bytes are not a
    /// well-formed object.
    /// </summary>
    private static bool ReadFields(ReadOnlySpan<byte> json, ReadOnlySpan<byte> nameKey, out ReadOnlySpan<byte> name, out long messageId, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered)
    {
        name = default;
        epoch = default;
        messageId = -1;
        offset = -1;
        recovered = null;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int key = reader.ValueTextEquals(nameKey) ? 1
                    : reader.ValueTextEquals("message_id"u8) ? 2
                    : reader.ValueTextEquals("offset"u8) ? 3
                    : reader.ValueTextEquals("epoch"u8) ? 4
                    : reader.ValueTextEquals("recovered"u8) ? 5
                    : 0;
                if (!reader.Read())
                {
                    return false;
                }

                switch (key)
                {
                    case 1 when reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped:
                        name = reader.ValueSpan;
                        break;
                    case 2 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long id):
                        messageId = id;
                        break;
                    case 3 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long at):
                        offset = at;
                        break;
                    case 4 when reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped:
                        epoch = reader.ValueSpan;
                        break;
                    case 5 when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                        recovered = reader.TokenType == JsonTokenType.True;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return true;
    }
}
