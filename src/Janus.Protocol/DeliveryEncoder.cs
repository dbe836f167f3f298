namespace Janus.Protocol;

/// <summary>
/// Encodes a delivered message, <c>{"timestamp":[M,S,U],"topic":T,"event":E,"message_id":MID,"data":D}</c>, in two
/// steps: the body (everything after the timestamp) once per publish, before the topic's publish lock is taken; the
/// timestamp prefix just before fan-out, right-aligned into space reserved in front of the body so nothing is copied.
/// Room for a WebSocket header is reserved in front of that, so one buffer serves every transport.
/// </summary>
public static class DeliveryEncoder
{
    private static ReadOnlySpan<byte> PrefixStart => "{\"timestamp\":"u8;

    /// <summary>The longest timestamp prefix: <c>{"timestamp":</c>, the array and a comma.</summary>
    public const int MaxTimestampPrefixLength = 13 + ErlangTimestamp.MaxFormattedLength + 1;

    /// <summary>Bytes to reserve in front of the body: a WebSocket header plus the timestamp prefix.</summary>
    public const int PrefixReserve = WebSocketFraming.MaxHeaderLength + MaxTimestampPrefixLength;

    private static ReadOnlySpan<byte> TopicKey => "\"topic\":"u8;

    private static ReadOnlySpan<byte> EventKey => ",\"event\":"u8;

    private static ReadOnlySpan<byte> MessageIdKey => ",\"message_id\":"u8;

    private static ReadOnlySpan<byte> DataKey => ",\"data\":"u8;

    private static ReadOnlySpan<byte> Null => "null"u8;

    /// <summary>An upper bound of the body length for the given raw values (compaction only shrinks).</summary>
    public static int GetMaxBodyLength(int topicJsonLength, int eventLength, int messageIdLength, int dataLength) =>
        TopicKey.Length + topicJsonLength
        + EventKey.Length + Math.Max(eventLength, Null.Length)
        + MessageIdKey.Length + Math.Max(messageIdLength, Null.Length)
        + DataKey.Length + Math.Max(dataLength, Null.Length)
        + 1;

    /// <summary>An upper bound of the body length for a parsed publish.</summary>
    public static int GetMaxBodyLength(in ClientCommand command) =>
        GetMaxBodyLength(command.TopicJson.Length, command.Event.Length, command.MessageId.Length, command.Data.Length);

    /// <summary>Writes the body of a parsed publish from the frame it was parsed from; returns the bytes written.</summary>
    public static int WriteBody(Span<byte> destination, ReadOnlySpan<byte> frame, in ClientCommand command) =>
        WriteBody(
            destination,
            command.TopicJson.Slice(frame),
            command.Event.IsPresent ? command.Event.Slice(frame) : default,
            command.MessageId.IsPresent ? command.MessageId.Slice(frame) : default,
            command.Data.IsPresent ? command.Data.Slice(frame) : default);

    /// <summary>
    /// Writes <c>"topic":T,"event":E,"message_id":MID,"data":D}</c> from valid JSON values (an empty span writes
    /// <c>null</c>); whitespace is removed. Returns the bytes written.
    /// </summary>
    public static int WriteBody(Span<byte> destination, ReadOnlySpan<byte> topicJson, ReadOnlySpan<byte> eventJson, ReadOnlySpan<byte> messageIdJson, ReadOnlySpan<byte> dataJson)
    {
        int pos = 0;
        TopicKey.CopyTo(destination);
        pos += TopicKey.Length;
        pos += JsonCompactor.Copy(topicJson, destination[pos..]);
        pos += WriteField(destination[pos..], EventKey, eventJson);
        pos += WriteField(destination[pos..], MessageIdKey, messageIdJson);
        pos += WriteField(destination[pos..], DataKey, dataJson);
        destination[pos++] = (byte)'}';
        return pos;
    }

    private static int WriteField(Span<byte> destination, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        key.CopyTo(destination);
        if (value.IsEmpty)
        {
            Null.CopyTo(destination[key.Length..]);
            return key.Length + Null.Length;
        }

        return key.Length + JsonCompactor.Copy(value, destination[key.Length..]);
    }

    /// <summary>
    /// The longest position suffix: <c>,"offset":N,"epoch":"E"}</c> with a 19-digit offset and the longest epoch.
    /// </summary>
    public const int MaxPositionSuffixLength = 10 + 19 + 10 + StreamPosition.MaxEpochLength + 2;

    /// <summary>
    /// Writes the two keys an opted-in client gets after the original five, and the closing brace:
    /// <c>,"offset":N,"epoch":"E"}</c>. The epoch is the server's own (plain ASCII, nothing to escape). Returns the bytes
    /// written.
    /// </summary>
    public static int WritePositionSuffix(Span<byte> destination, long offset, ReadOnlySpan<byte> epoch)
    {
        ",\"offset\":"u8.CopyTo(destination);
        int pos = 10;
        System.Buffers.Text.Utf8Formatter.TryFormat(offset, destination[pos..], out int digits);
        pos += digits;
        ",\"epoch\":\""u8.CopyTo(destination[pos..]);
        pos += 10;
        epoch.CopyTo(destination[pos..]);
        pos += epoch.Length;
        destination[pos++] = (byte)'"';
        destination[pos++] = (byte)'}';
        return pos;
    }

    /// <summary>
    /// Writes <c>{"timestamp":[M,S,U],</c> so that it ends exactly at the end of <paramref name="reserve"/>, and
    /// returns the index in <paramref name="reserve"/> where it starts.
    /// </summary>
    public static int WriteTimestampPrefix(Span<byte> reserve, ErlangTimestamp timestamp)
    {
        Span<byte> scratch = stackalloc byte[MaxTimestampPrefixLength];
        PrefixStart.CopyTo(scratch);
        timestamp.TryFormat(scratch[PrefixStart.Length..], out int written);
        int length = PrefixStart.Length + written;
        scratch[length++] = (byte)',';
        int start = reserve.Length - length;
        scratch[..length].CopyTo(reserve[start..]);
        return start;
    }
}
