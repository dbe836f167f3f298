using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Janus.Protocol;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Encodes a delivery the way the server does (body, then the timestamp prefix right-aligned in front) and checks
/// what a subscriber would read: valid UTF-8, valid JSON, exactly the five keys in protocol order, the topic and
/// values equal to what the publisher sent.
/// </summary>
internal static class DeliveryCheck
{
    private static readonly string[] Keys = ["timestamp", "topic", "event", "message_id", "data"];

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    /// <summary>Encodes and checks one delivery; returns the bytes the encoder allocated.</summary>
    public static long EncodeAndCheck(string topic, ReadOnlySpan<byte> topicJson, ReadOnlySpan<byte> eventJson, ReadOnlySpan<byte> messageIdJson, ReadOnlySpan<byte> dataJson)
    {
        int maxBody = DeliveryEncoder.GetMaxBodyLength(topicJson.Length, eventJson.Length, messageIdJson.Length, dataJson.Length);
        byte[] buffer = new byte[DeliveryEncoder.PrefixReserve + maxBody];
        long before = GC.GetAllocatedBytesForCurrentThread();
        int bodyLength = DeliveryEncoder.WriteBody(buffer.AsSpan(DeliveryEncoder.PrefixReserve), topicJson, eventJson, messageIdJson, dataJson);
        int start = DeliveryEncoder.WriteTimestampPrefix(buffer.AsSpan(0, DeliveryEncoder.PrefixReserve), new ErlangTimestamp(1765, 4321, 987654));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(bodyLength, 1, maxBody);
        byte[] delivery = buffer[start..(DeliveryEncoder.PrefixReserve + bodyLength)];

        Assert.True(Utf8.IsValid(delivery), "the delivery is not valid UTF-8");
        using JsonDocument document = JsonDocument.Parse(delivery, Options);
        JsonElement root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(Keys, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(topic, root.GetProperty("topic").GetString());
        AssertSameValue(eventJson, root.GetProperty("event"));
        AssertSameValue(messageIdJson, root.GetProperty("message_id"));
        AssertSameValue(dataJson, root.GetProperty("data"));
        return allocated;
    }

    private static void AssertSameValue(ReadOnlySpan<byte> sent, JsonElement delivered)
    {
        if (sent.IsEmpty)
        {
            Assert.Equal(JsonValueKind.Null, delivered.ValueKind);
            return;
        }

        // Values travel verbatim, only compacted: compare bytes (a semantic comparison would choke on what JSON allows
        // and .NET cannot hold, such as 1e99999999999 or a lone surrogate escape).
        bool same = Compact(sent).AsSpan().SequenceEqual(JsonMarshal.GetRawUtf8Value(delivered));
        Assert.True(same, "a value changed on its way to the subscriber");
    }

    /// <summary>The value without whitespace outside strings, written independently of <see cref="JsonCompactor"/>.</summary>
    private static byte[] Compact(ReadOnlySpan<byte> json)
    {
        var bytes = new List<byte>(json.Length);
        bool inString = false, escaped = false;
        foreach (byte b in json)
        {
            if (inString)
            {
                inString = escaped || b != (byte)'"';
                escaped = !escaped && b == (byte)'\\';
                bytes.Add(b);
            }
            else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                inString = b == (byte)'"';
                bytes.Add(b);
            }
        }

        return [.. bytes];
    }
}
