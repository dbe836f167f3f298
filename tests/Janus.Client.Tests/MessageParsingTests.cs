using System.Text;
using System.Text.Json;
using Janus.Client.Tests.Support;
using Janus.Protocol.Client;

namespace Janus.Client.Tests;

/// <summary>The message decoding on its own, from exact bytes (the integration tests cover the same code over sockets).</summary>
public sealed class MessageParsingTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2010, 1, 1, 0, 0, 1, TimeSpan.Zero);

    [Fact]
    public void A_delivery_decodes_every_field()
    {
        byte[] bytes = """{"timestamp":[1262,304000,123456],"topic":"t\u00e9","event":"e","message_id":7,"data":{"a":[1,2]}}"""u8.ToArray();

        Assert.True(JanusMessage.TryParse(bytes, ReceivedAt, out JanusMessage? message));
        Assert.Equal("té", message.Topic);
        Assert.Equal("e", message.Event);
        Assert.Equal("7", message.MessageId);
        Assert.Equal("""{"a":[1,2]}""", Encoding.UTF8.GetString(message.RawData.Span));
        Assert.Equal(2, message.Data.GetProperty("a")[1].GetInt32());
        Assert.Equal(new DateTimeOffset(2010, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), message.Timestamp);
        Assert.Equal(TimeSpan.FromTicks(10_000_000 - 1_234_560), message.Latency);
        Assert.Equal(Encoding.UTF8.GetString(bytes), message.ToString());
    }

    [Fact]
    public void Key_order_and_whitespace_do_not_matter_and_unknown_keys_are_skipped()
    {
        byte[] bytes = """ { "data" : null , "extra" : {"x":[1]}, "message_id" : "m" , "topic" : "t" , "event" : null , "timestamp" : [ 1 , 2 , 3 ] } """u8.ToArray();

        Assert.True(JanusMessage.TryParse(bytes, ReceivedAt, out JanusMessage? message));
        Assert.Equal("t", message.Topic);
        Assert.Null(message.Event);
        Assert.Equal("m", message.MessageId);
        Assert.Equal(JsonValueKind.Null, message.Data.ValueKind);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_000_002).AddTicks(30), message.Timestamp);
    }

    [Theory]
    [InlineData("""{"topic":"t","data":1}""")]
    [InlineData("""{"timestamp":[1,2,3],"data":1}""")]
    [InlineData("""{"timestamp":[1,2],"topic":"t"}""")]
    [InlineData("""{"timestamp":[1,2,3],"topic":"t"} trailing""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""not json""")]
    public void Anything_but_a_delivery_is_refused(string text)
    {
        Assert.False(JanusMessage.TryParse(Encoding.UTF8.GetBytes(text), ReceivedAt, out _));
    }

    [Fact]
    public void The_original_servers_token_as_character_codes_reads_back_as_the_string()
    {
        byte[] greeting = """{"timestamp":[1262,304000,0],"token":[97,98,99,48,49]}"""u8.ToArray();

        Assert.True(ServerMessageParser.TryParse(greeting, strings: null, out ServerMessage parsed));
        Assert.Equal(ServerMessageKind.Greeting, parsed.Kind);
        Assert.Equal("abc01", parsed.Token);
    }

    [Fact]
    public void An_error_frame_gives_its_code_and_reason()
    {
        byte[] error = """{"error":"invalid_topic","reason":"the topic must be a non-empty string within the length limit"}"""u8.ToArray();

        Assert.True(ServerMessageParser.TryParse(error, strings: null, out ServerMessage parsed));
        Assert.Equal(ServerMessageKind.Error, parsed.Kind);
        var exception = new JanusProtocolException(parsed.ErrorCode!, parsed.ErrorReason!);
        Assert.Equal(Janus.Protocol.ProtocolError.InvalidTopic, exception.Error);
        Assert.Equal("invalid_topic", exception.Code);
        Assert.Contains("length limit", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_error_code_is_kept_as_sent()
    {
        var exception = new JanusProtocolException("something_new", "why");

        Assert.Equal(Janus.Protocol.ProtocolError.None, exception.Error);
        Assert.Equal("something_new", exception.Code);
    }

    [Fact]
    public void Repeated_names_share_one_string()
    {
        var cache = new Utf8StringCache(capacity: 2);
        byte[] bytes = """{"timestamp":[1,2,3],"topic":"events","event":"tick","data":1}"""u8.ToArray();

        Assert.True(ServerMessageParser.TryParse(bytes, cache, out ServerMessage first));
        Assert.True(ServerMessageParser.TryParse(bytes, cache, out ServerMessage second));

        Assert.Same(first.Topic, second.Topic);
        Assert.Same(first.Event, second.Event);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Data_deserializes_with_source_generated_type_info()
    {
        byte[] bytes = """{"timestamp":[1,2,3],"topic":"q","event":"e","message_id":null,"data":{"Symbol":"X","Price":1.5,"Sizes":[1]}}"""u8.ToArray();

        Assert.True(JanusMessage.TryParse(bytes, ReceivedAt, out JanusMessage? message));
        Quote? quote = message.GetData(TestJsonContext.Default.Quote);
        Assert.Equal(1.5m, quote!.Price);
    }
}
