using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Janus.Protocol;

namespace Janus.Bot.Protocols;

/// <summary>
/// The message the bot publishes: the original bot's <c>{Topic, Event, Data}</c> = <c>events</c>, <c>test_event</c>,
/// <c>test</c>, with an empty <c>message_id</c>.
/// </summary>
internal static class TestMessage
{
    public const string DefaultTopic = "events";
    public const string Event = "test_event";
    public const string Data = "test";

    /// <summary>The topic of client <paramref name="index"/>'s share when clients are spread over several topics.</summary>
    public static string Topic(int index, int topicCount) => topicCount <= 1 ? DefaultTopic : $"{DefaultTopic}-{index}";

    /// <summary><see cref="Data"/> as the JSON value a publish carries.</summary>
    public static ReadOnlyMemory<byte> DataJson { get; } = Encoding.UTF8.GetBytes("\"" + Data + "\"");

    /// <summary>
    /// The delivery as Janus sends it, stamped here with <paramref name="timestamp"/>: what the Redis adapter publishes,
    /// so both servers' subscribers read the same bytes. Its <c>message_id</c> is empty, or the next number when the
    /// publishing flow numbers its messages (<see cref="MessageNumbering"/>, the workload).
    /// </summary>
    public static int WriteStampedDelivery(Span<byte> destination, ErlangTimestamp timestamp, ReadOnlySpan<byte> topicJson)
    {
        int pos = 0;
        pos += Copy("{\"timestamp\":"u8, destination[pos..]);
        timestamp.TryFormat(destination[pos..], out int written);
        pos += written;
        pos += Copy(",\"topic\":"u8, destination[pos..]);
        pos += Copy(topicJson, destination[pos..]);
        if (MessageNumbering.Current is { } numbering)
        {
            pos += Copy(",\"event\":\"test_event\",\"message_id\":"u8, destination[pos..]);
            Utf8Formatter.TryFormat(numbering.Next(), destination[pos..], out written);
            pos += written;
            pos += Copy(",\"data\":\"test\"}"u8, destination[pos..]);
            return pos;
        }

        pos += Copy(",\"event\":\"test_event\",\"message_id\":\"\",\"data\":\"test\"}"u8, destination[pos..]);
        return pos;
    }

    /// <summary>The topic as a JSON string literal (quoted, escaped).</summary>
    public static string Quote(string topic) => JsonSerializer.Serialize(topic, BotJsonContext.Default.String);

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
