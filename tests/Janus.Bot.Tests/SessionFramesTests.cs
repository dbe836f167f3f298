using System.Text;
using System.Text.Json;
using Janus.Bot.Protocols;

namespace Janus.Bot.Tests;

/// <summary>The bot's side of docs/sessions.md: the frames it writes and what it reads from the server's answers.</summary>
public sealed class SessionFramesTests
{
    private static string Body(byte[] frame)
    {
        string text = Encoding.UTF8.GetString(frame);
        Assert.StartsWith("<regular-socket/>\0", text, StringComparison.Ordinal);
        Assert.EndsWith("\0", text, StringComparison.Ordinal);
        return text["<regular-socket/>\0".Length..^1];
    }

    [Fact]
    public void Commands_are_the_documented_json()
    {
        Assert.Equal("{\"action\":\"hello\"}", Body(SessionFrames.Hello()));
        Assert.Equal("{\"action\":\"bye\"}", Body(SessionFrames.Bye()));
        Assert.Equal("{\"action\":\"subscribe\",\"data\":\"news\"}", Body(SessionFrames.Subscribe("news")));
        Assert.Equal(
            "{\"action\":\"subscribe\",\"data\":\"news\",\"since\":{\"offset\":41,\"epoch\":\"9f2c41d0\"}}",
            Body(SessionFrames.Subscribe("news", new SessionFrames.Position(41, "9f2c41d0"))));
        Assert.Equal(
            "{\"action\":\"resume\",\"data\":\"0123456789abcdef0123456789abcdef\",\"positions\":{\"news\":{\"offset\":57,\"epoch\":\"9f2c41d0\"},\"sport\":{\"offset\":0,\"epoch\":\"e2\"}}}",
            Body(SessionFrames.Resume("0123456789abcdef0123456789abcdef"u8, [new("news", new(57, "9f2c41d0")), new("sport", new(0, "e2"))])));
        Assert.Equal(
            "{\"action\":\"publish\",\"topic\":\"storm-1\",\"event\":\"storm\",\"message_id\":12,\"data\":12}",
            Body(SessionFrames.Publish("storm-1", "storm", 12)));
    }

    [Theory]
    [InlineData("{\"timestamp\":[1795,613597,44799],\"token\":\"abc\"}", "Greeting")]
    [InlineData("{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"e\",\"message_id\":1,\"data\":1,\"offset\":58,\"epoch\":\"9f\"}", "Delivery")]
    [InlineData("{\"hello\":{\"version\":1,\"resume\":true,\"history\":true,\"grace_ms\":60000}}", "Hello")]
    [InlineData("{\"subscribed\":\"news\",\"offset\":57,\"epoch\":\"9f2c41d0\"}", "Subscribed")]
    [InlineData("{\"resumed\":false,\"recovered\":false,\"reason\":\"expired\",\"topics\":{}}", "Resumed")]
    [InlineData("{\"error\":\"invalid_resume\"}", "Error")]
    [InlineData("{\"something\":1}", "Other")]
    public void Frames_are_told_apart_by_their_first_keys(string json, string kind) =>
        Assert.Equal(kind, SessionFrames.Classify(Encoding.UTF8.GetBytes(json)).ToString());

    [Fact]
    public void A_delivery_gives_its_topic_number_and_position()
    {
        byte[] json = "{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"storm\",\"message_id\":7,\"data\":{\"id\":[1,2]},\"offset\":58,\"epoch\":\"9f2c41d0\"}"u8.ToArray();

        Assert.True(SessionFrames.TryReadDelivery(json, out ReadOnlySpan<byte> topic, out long sequence, out long offset, out ReadOnlySpan<byte> epoch));
        Assert.Equal("news", Encoding.UTF8.GetString(topic));
        Assert.Equal(7, sequence);
        Assert.Equal(58, offset);
        Assert.Equal("9f2c41d0", Encoding.UTF8.GetString(epoch));

        // A legacy delivery (no position) is not one the storm can check.
        Assert.False(SessionFrames.TryReadDelivery("{\"timestamp\":[1,2,3],\"topic\":\"news\",\"event\":\"e\",\"message_id\":\"\",\"data\":\"test\"}"u8, out _, out _, out _, out _));
    }

    [Fact]
    public void Subscribed_and_resumed_answers_give_their_positions()
    {
        Assert.True(SessionFrames.TryReadSubscribed("{\"subscribed\":\"news\",\"offset\":57,\"epoch\":\"9f\",\"recovered\":false}"u8, out ReadOnlySpan<byte> topic, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered));
        Assert.Equal("news", Encoding.UTF8.GetString(topic));
        Assert.Equal(57, offset);
        Assert.Equal("9f", Encoding.UTF8.GetString(epoch));
        Assert.False(recovered);
        Assert.True(SessionFrames.TryReadSubscribed("{\"subscribed\":\"news\",\"offset\":0,\"epoch\":\"9f\"}"u8, out _, out _, out _, out bool? absent));
        Assert.Null(absent);

        SessionFrames.ResumedAnswer? answer = SessionFrames.ReadResumed("{\"resumed\":true,\"recovered\":true,\"topics\":{\"news\":{\"offset\":63,\"epoch\":\"9f\",\"recovered\":true}}}"u8);
        Assert.NotNull(answer);
        Assert.True(answer.Resumed);
        Assert.True(answer.Recovered);
        Assert.Equal(new SessionFrames.Position(63, "9f"), answer.Topics["news"]);

        SessionFrames.ResumedAnswer? gone = SessionFrames.ReadResumed("{\"resumed\":false,\"recovered\":false,\"reason\":\"expired\",\"topics\":{\"news\":{\"offset\":63,\"epoch\":\"9f\"}}}"u8);
        Assert.False(gone!.Resumed);
        Assert.Equal("expired", gone.Reason);
    }

    [Fact]
    public void The_greeting_gives_its_token()
    {
        string token = new('a', 32);
        byte[] greeting = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { timestamp = new[] { 1, 2, 3 }, token }));

        Assert.True(SessionFrames.TryReadToken(greeting, out ReadOnlySpan<byte> read));
        Assert.Equal(token, Encoding.UTF8.GetString(read));
    }
}
