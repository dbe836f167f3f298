using System.Text;
using System.Text.Json;
using Janus.Protocol.Client;

namespace Janus.Protocol.Tests.Client;

/// <summary>
/// The client side of the wire as a load generator (janus-bot) uses it: frames built once with the
/// <c>&lt;regular-socket/&gt;</c> prefix, messages cut from a contiguous buffer, classified by their first keys, and
/// the fields of a delivery or an answer read in place.
/// </summary>
public sealed class ServerMessageFieldsTests
{
    private static string Body(byte[] frame)
    {
        string text = Encoding.UTF8.GetString(frame);
        Assert.StartsWith("<regular-socket/>\0", text, StringComparison.Ordinal);
        Assert.EndsWith("\0", text, StringComparison.Ordinal);
        return text["<regular-socket/>\0".Length..^1];
    }

    [Fact]
    public void Frames_encoded_with_the_prefix_are_the_documented_json()
    {
        Assert.Equal("PING", Body(CommandWriter.Encode(new KeywordFrame(KeywordFrame.Keyword.Ping), regularSocketPrefix: true)));
        Assert.Equal("{\"action\":\"hello\"}", Body(CommandWriter.Encode(SessionFrame.Hello, regularSocketPrefix: true)));
        Assert.Equal("{\"action\":\"bye\"}", Body(CommandWriter.Encode(SessionFrame.Bye, regularSocketPrefix: true)));
        Assert.Equal("{\"action\":\"subscribe\",\"data\":\"news\"}", Body(CommandWriter.Encode(new TopicFrame(subscribe: true, "news"), regularSocketPrefix: true)));
        Assert.Equal(
            "{\"action\":\"resume\",\"data\":\"0123456789abcdef0123456789abcdef\",\"positions\":{\"news\":{\"offset\":57,\"epoch\":\"9f2c41d0\"}}}",
            Body(CommandWriter.Encode(new ResumeFrame("0123456789abcdef0123456789abcdef", [KeyValuePair.Create("news", new StreamPosition(57, "9f2c41d0"))]), regularSocketPrefix: true)));
        Assert.Equal("{\"action\":\"bye\"}\0", Encoding.UTF8.GetString(CommandWriter.Encode(SessionFrame.Bye)));
    }

    [Fact]
    public void A_numbered_publish_carries_its_message_id_as_a_number()
    {
        using var writer = new CommandWriter();
        var frame = new NumberedPublishFrame<RawJsonData>("storm-1", "storm", 12, new RawJsonData("12"u8.ToArray()));

        Assert.Equal(
            "{\"action\":\"publish\",\"topic\":\"storm-1\",\"event\":\"storm\",\"message_id\":12,\"data\":12}\0",
            Encoding.UTF8.GetString(writer.Build(frame)));
    }

    [Fact]
    public void The_original_bots_publish_has_no_final_delimiter()
    {
        var frame = new PublishFrame<RawJsonData>(keyword: true, "events", "test_event", string.Empty, new RawJsonData("\"test\""u8.ToArray()));

        Assert.Equal(
            "<regular-socket/>\0PUBLISH\0{\"topic\":\"events\",\"event\":\"test_event\",\"message_id\":\"\",\"data\":\"test\"}",
            Encoding.UTF8.GetString(CommandWriter.Encode(frame, regularSocketPrefix: true)));
    }

    [Fact]
    public void Messages_are_cut_from_a_contiguous_buffer_one_at_a_time()
    {
        ReadOnlySpan<byte> data = "ACK\u0001{\"timestamp\":[1,2,3]}\u0001{\"timest"u8;

        Assert.True(ServerFrames.TryReadMessage(data, out ReadOnlySpan<byte> first, out int consumed));
        Assert.Equal("ACK", Encoding.UTF8.GetString(first));
        Assert.Equal(4, consumed);
        data = data[consumed..];
        Assert.True(ServerFrames.TryReadMessage(data, out ReadOnlySpan<byte> second, out consumed));
        Assert.Equal("{\"timestamp\":[1,2,3]}", Encoding.UTF8.GetString(second));
        Assert.False(ServerFrames.TryReadMessage(data[consumed..], out _, out consumed));
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("", "Empty")]
    [InlineData("ACK", "Ack")]
    [InlineData("PING", "Ping")]
    [InlineData("PINGS", "Unknown")]
    [InlineData("{\"timestamp\":[1795,613597,44799],\"token\":\"abc\"}", "Greeting")]
    [InlineData("{\"timestamp\":[1795,613597,44799],\"token\":[97,98]}", "Greeting")]
    [InlineData("{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"e\",\"message_id\":1,\"data\":1,\"offset\":58,\"epoch\":\"9f\"}", "Delivery")]
    [InlineData("{\"hello\":{\"version\":1,\"resume\":true,\"history\":true,\"grace_ms\":60000}}", "Hello")]
    [InlineData("{\"subscribed\":\"news\",\"offset\":57,\"epoch\":\"9f2c41d0\"}", "Subscribed")]
    [InlineData("{\"resumed\":false,\"recovered\":false,\"reason\":\"expired\",\"topics\":{}}", "Resumed")]
    [InlineData("{\"error\":\"invalid_resume\"}", "Error")]
    [InlineData("{\"something\":1}", "OtherJson")]
    public void Messages_are_told_apart_by_their_first_bytes(string message, string kind) =>
        Assert.Equal(kind, ServerFrames.Classify(Encoding.UTF8.GetBytes(message)).ToString());

    [Fact]
    public void A_delivery_gives_its_topic_number_and_position()
    {
        byte[] json = "{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"storm\",\"message_id\":7,\"data\":{\"id\":[1,2]},\"offset\":58,\"epoch\":\"9f2c41d0\"}"u8.ToArray();

        Assert.True(ServerMessageFields.TryReadDelivery(json, out ReadOnlySpan<byte> topic, out long messageId, out long offset, out ReadOnlySpan<byte> epoch));
        Assert.Equal("news", Encoding.UTF8.GetString(topic));
        Assert.Equal(7, messageId);
        Assert.Equal(58, offset);
        Assert.Equal("9f2c41d0", Encoding.UTF8.GetString(epoch));

        // A legacy delivery (no position) is not one with a position; a string message_id is not a number.
        Assert.False(ServerMessageFields.TryReadDelivery("{\"timestamp\":[1,2,3],\"topic\":\"news\",\"event\":\"e\",\"message_id\":\"\",\"data\":\"test\"}"u8, out _, out long none, out _, out _));
        Assert.Equal(-1, none);

        // Cut short: not read, and no exception out of the reader.
        Assert.False(ServerMessageFields.TryReadDelivery(json.AsSpan(0, 60), out _, out _, out _, out _));
    }

    [Fact]
    public void A_subscribed_answer_gives_its_position()
    {
        Assert.True(ServerMessageFields.TryReadSubscribed("{\"subscribed\":\"news\",\"offset\":57,\"epoch\":\"9f\",\"recovered\":false}"u8, out ReadOnlySpan<byte> topic, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered));
        Assert.Equal("news", Encoding.UTF8.GetString(topic));
        Assert.Equal(57, offset);
        Assert.Equal("9f", Encoding.UTF8.GetString(epoch));
        Assert.False(recovered);
        Assert.True(ServerMessageFields.TryReadSubscribed("{\"subscribed\":\"news\",\"offset\":0,\"epoch\":\"9f\"}"u8, out _, out _, out _, out bool? absent));
        Assert.Null(absent);
    }

    [Fact]
    public void The_greeting_gives_its_token_in_place()
    {
        string token = new('a', 32);
        byte[] greeting = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { timestamp = new[] { 1, 2, 3 }, token }));

        Assert.True(ServerMessageFields.TryReadToken(greeting, out ReadOnlySpan<byte> read));
        Assert.Equal(token, Encoding.UTF8.GetString(read));

        // The 2009 server's array of character codes has no bytes to point at.
        Assert.False(ServerMessageFields.TryReadToken("{\"timestamp\":[1,2,3],\"token\":[97,98]}"u8, out _));
    }

    [Fact]
    public void Reading_a_delivery_in_place_allocates_nothing()
    {
        byte[] json = "{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"storm\",\"message_id\":7,\"data\":7,\"offset\":58,\"epoch\":\"9f2c41d0\"}\u0001"u8.ToArray();
        bool read = Read(json);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            read &= Read(json);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(read);
        Assert.Equal(0, allocated);

        static bool Read(byte[] data) =>
            ServerFrames.TryReadMessage(data, out ReadOnlySpan<byte> message, out _)
            && ServerFrames.Classify(message) == ServerFrameKind.Delivery
            && ServerMessageFields.TryReadDelivery(message, out _, out long messageId, out _, out _)
            && messageId == 7;
    }
}
