using System.Buffers;
using System.Text;
using System.Text.Json;
using Janus.Protocol;

namespace Janus.Bot.Protocols;

/// <summary>
/// The client side of the session protocol (docs/sessions.md) as the storm bot speaks it over TCP: the frames it
/// sends (<c>hello</c>, subscribe with or without <c>since</c>, <c>resume</c> with positions) and readers for what
/// the server answers. Deliveries are read with <see cref="Utf8JsonReader"/> over the received bytes, no allocation;
/// the rarer answers (resumed) may allocate.
/// </summary>
internal static class SessionFrames
{
    private static readonly byte[] Prefix = "<regular-socket/>\0"u8.ToArray();

    /// <summary>A position: everything up to and including <see cref="Offset"/> of <see cref="Epoch"/>.</summary>
    internal readonly record struct Position(long Offset, string Epoch);

    /// <summary>What a <c>resumed</c> answer says.</summary>
    internal sealed record ResumedAnswer(bool Resumed, bool Recovered, string? Reason, IReadOnlyDictionary<string, Position> Topics);

    /// <summary><c>{"action":"hello"}</c>, framed.</summary>
    public static byte[] Hello() => Frame(w =>
    {
        w.WriteStartObject();
        w.WriteString("action", "hello");
        w.WriteEndObject();
    });

    /// <summary><c>{"action":"bye"}</c>, framed: ends the session at once (no grace period).</summary>
    public static byte[] Bye() => Frame(w =>
    {
        w.WriteStartObject();
        w.WriteString("action", "bye");
        w.WriteEndObject();
    });

    /// <summary>A subscribe, with <c>since</c> when <paramref name="since"/> is given.</summary>
    public static byte[] Subscribe(string topic, Position? since = null) => Frame(w =>
    {
        w.WriteStartObject();
        w.WriteString("action", "subscribe");
        w.WriteString("data", topic);
        if (since is { } position)
        {
            w.WritePropertyName("since");
            WritePosition(w, position);
        }

        w.WriteEndObject();
    });

    /// <summary><c>{"action":"resume","data":token,"positions":{topic:{offset,epoch},…}}</c>, framed.</summary>
    public static byte[] Resume(ReadOnlySpan<byte> token, IEnumerable<KeyValuePair<string, Position>> positions)
    {
        string tokenText = Encoding.ASCII.GetString(token);
        return Frame(w =>
        {
            w.WriteStartObject();
            w.WriteString("action", "resume");
            w.WriteString("data", tokenText);
            w.WriteStartObject("positions");
            foreach ((string topic, Position position) in positions)
            {
                w.WritePropertyName(topic);
                WritePosition(w, position);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>A publish on a connection that stays open, numbered: <c>message_id</c> and <c>data</c> carry <paramref name="sequence"/>.</summary>
    public static byte[] Publish(string topic, string eventName, long sequence) => Frame(w =>
    {
        w.WriteStartObject();
        w.WriteString("action", "publish");
        w.WriteString("topic", topic);
        w.WriteString("event", eventName);
        w.WriteNumber("message_id", sequence);
        w.WriteNumber("data", sequence);
        w.WriteEndObject();
    });

    /// <summary>Which frame <paramref name="json"/> is, from its first key (and the second for the timestamped ones).</summary>
    public static SessionFrameKind Classify(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("{\"timestamp\":"u8))
        {
            // The greeting's second key is the token; a delivery's is the topic. Both come after the timestamp array.
            int close = json.IndexOf((byte)']');
            if (close < 0)
            {
                return SessionFrameKind.Other;
            }

            ReadOnlySpan<byte> rest = json[(close + 1)..];
            return rest.StartsWith(",\"token\""u8) ? SessionFrameKind.Greeting
                : rest.StartsWith(",\"topic\""u8) ? SessionFrameKind.Delivery
                : SessionFrameKind.Other;
        }

        return json.StartsWith("{\"subscribed\""u8) ? SessionFrameKind.Subscribed
            : json.StartsWith("{\"resumed\""u8) ? SessionFrameKind.Resumed
            : json.StartsWith("{\"hello\""u8) ? SessionFrameKind.Hello
            : json.StartsWith("{\"error\""u8) ? SessionFrameKind.Error
            : SessionFrameKind.Other;
    }

    /// <summary>The greeting's token (its raw bytes: 32 hex characters, nothing escaped).</summary>
    public static bool TryReadToken(ReadOnlySpan<byte> greeting, out ReadOnlySpan<byte> token)
    {
        var reader = new Utf8JsonReader(greeting);
        token = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isToken = reader.ValueTextEquals("token"u8);
            if (!reader.Read())
            {
                return false;
            }

            if (isToken)
            {
                if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
                {
                    return false;
                }

                token = reader.ValueSpan;
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    /// <summary>
    /// Reads a delivery's topic, <c>message_id</c> (a number: the storm publisher's sequence), <c>offset</c> and
    /// <c>epoch</c>. The spans point into <paramref name="delivery"/>.
    /// </summary>
    public static bool TryReadDelivery(ReadOnlySpan<byte> delivery, out ReadOnlySpan<byte> topic, out long sequence, out long offset, out ReadOnlySpan<byte> epoch) =>
        TryReadPositioned(delivery, "topic"u8, out topic, out sequence, out offset, out epoch, out _);

    /// <summary>Reads a <c>subscribed</c> answer; <paramref name="recovered"/> is null when the answer has no such key.</summary>
    public static bool TryReadSubscribed(ReadOnlySpan<byte> answer, out ReadOnlySpan<byte> topic, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered) =>
        TryReadPositioned(answer, "subscribed"u8, out topic, out _, out offset, out epoch, out recovered);

    /// <summary>
    /// Reads an object that names a topic under <paramref name="topicKey"/> and a position (<c>offset</c>,
    /// <c>epoch</c>), with an optional numeric <c>message_id</c> and boolean <c>recovered</c>: a delivery and a
    /// <c>subscribed</c> answer differ only in those. False unless topic, offset and epoch are all there.
    /// </summary>
    private static bool TryReadPositioned(ReadOnlySpan<byte> json, ReadOnlySpan<byte> topicKey, out ReadOnlySpan<byte> topic, out long sequence, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered)
    {
        topic = default;
        epoch = default;
        sequence = -1;
        offset = -1;
        recovered = null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int key = reader.ValueTextEquals(topicKey) ? 1
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
                    topic = reader.ValueSpan;
                    break;
                case 2 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long id):
                    sequence = id;
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

        return !topic.IsEmpty && offset >= 0 && !epoch.IsEmpty;
    }

    /// <summary>Reads a <c>resumed</c> answer (once per reconnect, so a document is fine); null when it is not one.</summary>
    public static ResumedAnswer? ReadResumed(ReadOnlySpan<byte> answer)
    {
        try
        {
            var reader = new Utf8JsonReader(answer);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("resumed", out JsonElement resumed))
            {
                return null;
            }

            var topics = new Dictionary<string, Position>(StringComparer.Ordinal);
            if (root.TryGetProperty("topics", out JsonElement map) && map.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty topic in map.EnumerateObject())
                {
                    if (topic.Value.ValueKind == JsonValueKind.Object
                        && topic.Value.TryGetProperty("offset", out JsonElement offset) && offset.TryGetInt64(out long at)
                        && topic.Value.TryGetProperty("epoch", out JsonElement epoch) && epoch.ValueKind == JsonValueKind.String)
                    {
                        topics[topic.Name] = new Position(at, epoch.GetString()!);
                    }
                }
            }

            bool recovered = root.TryGetProperty("recovered", out JsonElement r) && r.ValueKind == JsonValueKind.True;
            string? reason = root.TryGetProperty("reason", out JsonElement why) && why.ValueKind == JsonValueKind.String ? why.GetString() : null;
            return new ResumedAnswer(resumed.ValueKind == JsonValueKind.True, recovered, reason, topics);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WritePosition(Utf8JsonWriter writer, Position position)
    {
        writer.WriteStartObject();
        writer.WriteNumber("offset", position.Offset);
        writer.WriteString("epoch", position.Epoch);
        writer.WriteEndObject();
    }

    private static byte[] Frame(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.Write(Prefix);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        buffer.Write(stackalloc byte[] { WireBytes.ClientDelimiter });
        return buffer.WrittenSpan.ToArray();
    }
}
