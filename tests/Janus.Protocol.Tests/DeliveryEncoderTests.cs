using System.Text;
using System.Text.Json;

namespace Janus.Protocol.Tests;

public sealed class DeliveryEncoderTests
{
    [Fact]
    public void The_body_has_the_keys_topic_event_message_id_data_in_that_order_whatever_the_publish_order()
    {
        string body = EncodeBody("{\"data\":{\"k\":\"v\"},\"message_id\":7,\"event\":\"e\",\"topic\":\"news\"}");

        Assert.Equal("\"topic\":\"news\",\"event\":\"e\",\"message_id\":7,\"data\":{\"k\":\"v\"}}", body);
    }

    [Fact]
    public void Missing_fields_are_written_as_null()
    {
        Assert.Equal("\"topic\":\"t\",\"event\":null,\"message_id\":null,\"data\":null}", EncodeBody("{\"topic\":\"t\"}"));
    }

    [Fact]
    public void Compaction_removes_whitespace_between_tokens_and_keeps_strings_verbatim()
    {
        const string data = "{ \"a\" : [ 1 ,\t2 ,\r\n3 ] , \"s\" : \"two  spaces\\t \\\" quoted \\\\ \" , \"u\" : \"\\u00e9 é\" }";

        string body = EncodeBody("{\"topic\":\"t\",\"event\" : \"e v\",\"message_id\" : \"m 1\",\"data\":" + data + "}");

        Assert.Equal(
            "\"topic\":\"t\",\"event\":\"e v\",\"message_id\":\"m 1\",\"data\":{\"a\":[1,2,3],\"s\":\"two  spaces\\t \\\" quoted \\\\ \",\"u\":\"\\u00e9 é\"}}",
            body);
    }

    [Fact]
    public void The_topic_keeps_the_escapes_the_publisher_wrote()
    {
        Assert.StartsWith("\"topic\":\"a\\u0062\\/c\",", EncodeBody("{\"topic\":\"a\\u0062\\/c\"}"));
    }

    [Fact]
    public void Non_ascii_data_passes_through_as_utf8()
    {
        string body = EncodeBody("{\"topic\":\"t\",\"data\":\"ニュース 😀\"}");

        Assert.EndsWith("\"data\":\"ニュース 😀\"}", body);
    }

    [Fact]
    public void The_maximum_body_length_bounds_the_real_length()
    {
        string[] publishes =
        [
            "{\"topic\":\"t\"}",
            "{\"topic\":\"t\",\"event\":\"e\",\"message_id\":1,\"data\":[1, 2, 3]}",
            "{\"topic\":\"a-much-longer-topic\",\"data\":{\"nested\":{\"deeper\":[true,false,null]}}}",
        ];
        Span<char> topic = stackalloc char[64];
        foreach (string publish in publishes)
        {
            byte[] frame = Encoding.UTF8.GetBytes(publish);
            Assert.Equal(ProtocolError.None, ClientCommandParser.TryParsePublishBody(frame, topic, out ClientCommand command));
            int max = DeliveryEncoder.GetMaxBodyLength(command);
            byte[] destination = new byte[max];

            int written = DeliveryEncoder.WriteBody(destination, frame, command);

            Assert.InRange(written, 1, max);
        }
    }

    [Fact]
    public void The_raw_value_overload_writes_the_same_body()
    {
        byte[] destination = new byte[256];

        int written = DeliveryEncoder.WriteBody(destination, "\"t\""u8, "\"e\""u8, "3"u8, "{\"x\": 1}"u8);

        Assert.Equal("\"topic\":\"t\",\"event\":\"e\",\"message_id\":3,\"data\":{\"x\":1}}", Encoding.UTF8.GetString(destination, 0, written));
    }

    [Fact]
    public void The_timestamp_prefix_ends_exactly_at_the_end_of_the_reserve()
    {
        byte[] reserve = new byte[DeliveryEncoder.PrefixReserve];
        var timestamp = new ErlangTimestamp(1700, 123456, 789);

        int start = DeliveryEncoder.WriteTimestampPrefix(reserve, timestamp);

        Assert.Equal("{\"timestamp\":[1700,123456,789],", Encoding.UTF8.GetString(reserve, start, reserve.Length - start));
        Assert.True(start >= WebSocketFraming.MaxHeaderLength, "room for a WebSocket header must stay in front");
    }

    [Fact]
    public void The_largest_timestamp_fits_the_reserve()
    {
        byte[] reserve = new byte[DeliveryEncoder.PrefixReserve];
        var largest = new ErlangTimestamp(long.MaxValue, 999_999, 999_999);

        int start = DeliveryEncoder.WriteTimestampPrefix(reserve, largest);

        Assert.True(start >= WebSocketFraming.MaxHeaderLength, "room for a WebSocket header must stay in front");
        Assert.Equal("{\"timestamp\":[" + long.MaxValue + ",999999,999999],", Encoding.UTF8.GetString(reserve, start, reserve.Length - start));
    }

    [Fact]
    public void Prefix_and_body_together_are_one_json_object_with_the_delivery_keys_in_order()
    {
        byte[] frame = Encoding.UTF8.GetBytes("{\"message_id\":\"x\",\"topic\":\"t\",\"data\":[1, {\"b\": 2}],\"event\":\"e\"}");
        Span<char> topic = stackalloc char[16];
        ClientCommandParser.TryParsePublishBody(frame, topic, out ClientCommand command);
        byte[] buffer = new byte[DeliveryEncoder.PrefixReserve + DeliveryEncoder.GetMaxBodyLength(command)];
        int bodyLength = DeliveryEncoder.WriteBody(buffer.AsSpan(DeliveryEncoder.PrefixReserve), frame, command);
        int start = DeliveryEncoder.WriteTimestampPrefix(buffer.AsSpan(0, DeliveryEncoder.PrefixReserve), new ErlangTimestamp(1, 2, 3));

        string message = Encoding.UTF8.GetString(buffer, start, DeliveryEncoder.PrefixReserve - start + bodyLength);

        Assert.Equal("{\"timestamp\":[1,2,3],\"topic\":\"t\",\"event\":\"e\",\"message_id\":\"x\",\"data\":[1,{\"b\":2}]}", message);
        using JsonDocument document = JsonDocument.Parse(message);
        Assert.Equal(["timestamp", "topic", "event", "message_id", "data"], document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("{\"a\":1}", "{\"a\":1}")]
    [InlineData(" [ 1 , 2 ] ", "[1,2]")]
    [InlineData("\"  keep  \"", "\"  keep  \"")]
    [InlineData("\" \\\" still inside \"", "\" \\\" still inside \"")]
    [InlineData("\"\\\\\" , 1", "\"\\\\\",1")]
    [InlineData("{ \"k\" : \"v\\\\\" }", "{\"k\":\"v\\\\\"}")]
    public void JsonCompactor_drops_insignificant_whitespace_only(string json, string expected)
    {
        byte[] source = Encoding.UTF8.GetBytes(json);
        byte[] destination = new byte[source.Length];

        int written = JsonCompactor.Copy(source, destination);

        Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
    }

    private static string EncodeBody(string publishBody)
    {
        byte[] frame = Encoding.UTF8.GetBytes(publishBody);
        Span<char> topic = stackalloc char[64];
        Assert.Equal(ProtocolError.None, ClientCommandParser.TryParsePublishBody(frame, topic, out ClientCommand command));
        byte[] destination = new byte[DeliveryEncoder.GetMaxBodyLength(command)];
        int written = DeliveryEncoder.WriteBody(destination, frame, command);
        return Encoding.UTF8.GetString(destination, 0, written);
    }
}
