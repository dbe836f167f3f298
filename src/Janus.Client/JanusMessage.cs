using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Client;

/// <summary>
/// A message the server delivered for a subscribed topic:
/// <c>{"timestamp":[M,S,U],"topic":T,"event":E,"message_id":MID,"data":D}</c>, followed by
/// <c>"offset":N,"epoch":"E"</c> on a connection that opted in to sessions.
/// </summary>
/// <remarks>
/// <para>The message owns one array, the bytes as received; <see cref="RawData"/> and <see cref="RawMessage"/> are
/// views of it. <see cref="Topic"/> and <see cref="Event"/> are shared strings (a client keeps one string per
/// distinct name), so receiving costs this object and its array. <see cref="Data"/> and <see cref="MessageId"/> are
/// decoded only when read.</para>
/// <para>To turn the data into your own type without an intermediate <see cref="JsonElement"/>, use
/// <see cref="GetData{T}(JsonTypeInfo{T})"/> with a source-generated <see cref="JsonTypeInfo{T}"/>.</para>
/// </remarks>
public sealed class JanusMessage
{
    private readonly byte[] _raw;
    private readonly JsonValueRange _messageId;
    private readonly JsonValueRange _data;
    private string? _messageIdText;
    private object? _dataElement;

    internal JanusMessage(byte[] raw, in ServerMessage parsed, DateTimeOffset receivedAt)
    {
        _raw = raw;
        _messageId = parsed.MessageId;
        _data = parsed.Data;
        Topic = parsed.Topic!;
        Event = parsed.Event;
        Timestamp = parsed.Timestamp.ToDateTimeOffset();
        ReceivedAt = receivedAt;
        Position = parsed.Position;
    }

    /// <summary>
    /// The message's position in its topic (<c>offset</c> and <c>epoch</c>), on a connection that opted in to
    /// sessions; null otherwise (docs/sessions.md).
    /// </summary>
    public StreamPosition? Position { get; }

    /// <summary>The topic the message was published to.</summary>
    public string Topic { get; }

    /// <summary>
    /// The publish's <c>event</c>: the string as sent, the raw JSON text if the publisher sent another kind of
    /// value, or null for JSON <c>null</c>.
    /// </summary>
    public string? Event { get; }

    /// <summary>
    /// The publish's <c>message_id</c>: the string as sent, the raw JSON text of any other value (a number comes back
    /// as its digits, e.g. <c>"7"</c>), or null for JSON <c>null</c>.
    /// </summary>
    public string? MessageId => _messageIdText ??= DecodeMessageId();

    /// <summary>
    /// The publish's <c>data</c> as the server sent it: compact UTF-8 JSON, any JSON value. The cheapest way to the
    /// payload: hand it to a serializer or forward it as is.
    /// </summary>
    public ReadOnlyMemory<byte> RawData => _raw.AsMemory(_data.Start, _data.Length);

    /// <summary>
    /// The publish's <c>data</c> as a <see cref="JsonElement"/>, parsed on first access and kept. A default
    /// (<see cref="JsonValueKind.Undefined"/>) element if the message had no <c>data</c>.
    /// </summary>
    public JsonElement Data
    {
        get
        {
            if (_dataElement is JsonElement cached)
            {
                return cached;
            }

            if (!_data.IsPresent)
            {
                return default;
            }

            var reader = new Utf8JsonReader(_raw.AsSpan(_data.Start, _data.Length));
            JsonElement element = JsonElement.ParseValue(ref reader);
            _dataElement = element;
            return element;
        }
    }

    /// <summary>The whole message as received (UTF-8 JSON, without the 0x01 delimiter).</summary>
    public ReadOnlyMemory<byte> RawMessage => _raw;

    /// <summary>
    /// When the server took the publish, read from the Erlang-style <c>[MegaSecs,Secs,MicroSecs]</c> triple: UTC,
    /// to the microsecond. Every subscriber of one publish sees the same value.
    /// </summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>When the read that brought this message completed (the client's clock, UTC).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>
    /// <see cref="ReceivedAt"/> − <see cref="Timestamp"/>: from the server taking the publish to this client reading
    /// it. Exact on one machine; across machines it includes the difference between their clocks.
    /// </summary>
    public TimeSpan Latency => ReceivedAt - Timestamp;

    /// <summary>Deserializes <see cref="RawData"/> straight from its bytes with the given (source-generated) type info.</summary>
    /// <exception cref="JsonException">The data does not fit <typeparamref name="T"/>.</exception>
    public T? GetData<T>(JsonTypeInfo<T> jsonTypeInfo)
    {
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        return JsonSerializer.Deserialize(_raw.AsSpan(_data.Start, _data.Length), jsonTypeInfo);
    }

    /// <summary>
    /// Parses a delivered message from its bytes (without the 0x01 delimiter), e.g. one a
    /// <see cref="JanusRawMessageHandler"/> received. The bytes are copied. False if the bytes are not a delivery
    /// (a JSON object with a <c>timestamp</c> triple and a string <c>topic</c>).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Message, DateTimeOffset receivedAt, [NotNullWhen(true)] out JanusMessage? message)
    {
        byte[] raw = utf8Message.ToArray();
        if (ServerMessageParser.TryParse(raw, strings: null, out ServerMessage parsed) && parsed.Kind == ServerMessageKind.Delivery)
        {
            message = new JanusMessage(raw, parsed, receivedAt);
            return true;
        }

        message = null;
        return false;
    }

    /// <summary>The message as received (its JSON text).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_raw);

    private string? DecodeMessageId()
    {
        if (!_messageId.IsPresent)
        {
            return null;
        }

        var reader = new Utf8JsonReader(_raw.AsSpan(_messageId.Start, _messageId.Length));
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => Encoding.UTF8.GetString(_raw, _messageId.Start, _messageId.Length),
        };
    }
}
