using System.Buffers;
using System.Text;
using Janus.Protocol.Client;

namespace Janus.Protocol.Tests.Client;

/// <summary>The client side of the wire: what a client writes and how it reads what the server sends (docs/sessions.md).</summary>
public sealed class ClientSideTests
{
    [Fact]
    public void Session_frames_are_written_as_the_spec_shows()
    {
        using var writer = new CommandWriter();

        Assert.Equal("{\"action\":\"hello\"}\0", Text(writer.Build(SessionFrame.Hello)));
        Assert.Equal("{\"action\":\"bye\"}\0", Text(writer.Build(SessionFrame.Bye)));
        Assert.Equal("{\"action\":\"subscribe\",\"data\":\"news\"}\0", Text(writer.Build(new TopicFrame(subscribe: true, "news"))));
        Assert.Equal(
            "{\"action\":\"subscribe\",\"data\":\"news\",\"since\":{\"offset\":41,\"epoch\":\"9f2c41d0\"}}\0",
            Text(writer.Build(new TopicFrame(subscribe: true, "news", new StreamPosition(41, "9f2c41d0")))));
        Assert.Equal(
            "{\"action\":\"resume\",\"data\":\"tok\",\"positions\":{\"news\":{\"offset\":57,\"epoch\":\"e\"},\"sport\":{\"offset\":0,\"epoch\":\"f\"}}}\0",
            Text(writer.Build(new ResumeFrame("tok", [KeyValuePair.Create("news", new StreamPosition(57, "e")), KeyValuePair.Create("sport", new StreamPosition(0, "f"))]))));
    }

    [Fact]
    public void Session_answers_are_classified_and_read()
    {
        Assert.True(ServerMessageParser.TryParse("{\"hello\":{\"version\":1,\"resume\":true,\"history\":true,\"grace_ms\":60000}}"u8, null, out ServerMessage hello));
        Assert.Equal(ServerMessageKind.Hello, hello.Kind);

        Assert.True(ServerMessageParser.TryParse("{\"subscribed\":\"news\",\"offset\":57,\"epoch\":\"9f2c41d0\",\"recovered\":true}"u8, null, out ServerMessage subscribed));
        Assert.Equal((ServerMessageKind.Subscribed, "news", new StreamPosition(57, "9f2c41d0"), true), (subscribed.Kind, subscribed.SubscribedTopic, subscribed.Position, subscribed.Recovered));

        byte[] resumed = "{\"resumed\":false,\"recovered\":false,\"reason\":\"expired\",\"topics\":{\"news\":{\"offset\":63,\"epoch\":\"9f\"},\"x\":{\"offset\":1,\"epoch\":\"e\",\"recovered\":true}}}"u8.ToArray();
        Assert.True(ServerMessageParser.TryParse(resumed, null, out ServerMessage answer));
        Assert.Equal((ServerMessageKind.Resumed, false, false, "expired"), (answer.Kind, answer.Resumed, answer.Recovered, answer.ErrorReason));
        Assert.Equal(
            [("news", new StreamPosition(63, "9f"), null), ("x", new StreamPosition(1, "e"), true)],
            ServerMessageParser.ReadTopics(resumed, answer.Topics));
    }

    [Fact]
    public void A_delivery_to_an_opted_in_client_carries_its_position_after_the_original_five_keys()
    {
        Assert.True(ServerMessageParser.TryParse(
            "{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"created\",\"message_id\":1,\"data\":{\"id\":7},\"offset\":58,\"epoch\":\"9f2c41d0\"}"u8, null, out ServerMessage delivery));
        Assert.Equal((ServerMessageKind.Delivery, "news", new StreamPosition(58, "9f2c41d0")), (delivery.Kind, delivery.Topic, delivery.Position));

        Assert.True(ServerMessageParser.TryParse("{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":null,\"message_id\":null,\"data\":1}"u8, null, out ServerMessage legacy));
        Assert.Null(legacy.Position);
    }

    [Fact]
    public void One_splitter_serves_both_directions()
    {
        var buffer = new ReadOnlySequence<byte>("a\u0001b\u0000c\u0001"u8.ToArray());

        Assert.True(ServerFrames.TryReadMessage(ref buffer, out ReadOnlySequence<byte> first));
        Assert.Equal("a", Encoding.UTF8.GetString(first));
        Assert.True(ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> second));
        Assert.Equal("b", Encoding.UTF8.GetString(second));
        Assert.True(DelimitedFrames.TryRead(ref buffer, WireBytes.ServerDelimiter, out ReadOnlySequence<byte> third));
        Assert.Equal("c", Encoding.UTF8.GetString(third));
        Assert.False(ServerFrames.TryReadMessage(ref buffer, out _));
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
