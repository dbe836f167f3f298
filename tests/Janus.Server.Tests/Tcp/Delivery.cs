using System.Text.Json;
using Janus.Protocol;

namespace Janus.Server.Tests.Tcp;

/// <summary>A delivered message taken apart with an independent JSON parser; values are kept as raw JSON text.</summary>
internal sealed record Delivery(string Raw, string[] Keys, ErlangTimestamp Timestamp, string Topic, string Event, string MessageId, string Data)
{
    public static readonly string[] KeyOrder = ["timestamp", "topic", "event", "message_id", "data"];

    public static Delivery Parse(string message)
    {
        using JsonDocument document = JsonDocument.Parse(message);
        JsonElement root = document.RootElement;
        string[] keys = [.. root.EnumerateObject().Select(p => p.Name)];
        JsonElement[] parts = [.. root.GetProperty("timestamp").EnumerateArray()];
        Assert.Equal(3, parts.Length);
        var timestamp = new ErlangTimestamp(parts[0].GetInt64(), parts[1].GetInt32(), parts[2].GetInt32());
        return new Delivery(
            message,
            keys,
            timestamp,
            root.GetProperty("topic").GetString()!,
            root.GetProperty("event").GetRawText(),
            root.GetProperty("message_id").GetRawText(),
            root.GetProperty("data").GetRawText());
    }

    public long MessageIdNumber => long.Parse(MessageId, System.Globalization.CultureInfo.InvariantCulture);
}
