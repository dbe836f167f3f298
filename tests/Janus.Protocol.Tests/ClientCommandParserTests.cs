using System.Text;

namespace Janus.Protocol.Tests;

public sealed class ClientCommandParserTests
{
    private const int MaxTopicLength = 16;

    [Fact]
    public void Parses_a_subscribe_with_the_topic_in_data()
    {
        Parsed parsed = Command("{\"action\":\"subscribe\",\"data\":\"news\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(ClientAction.Subscribe, parsed.Action);
        Assert.Equal("news", parsed.Topic);
        Assert.Equal("\"news\"", parsed.TopicJson);
        Assert.Null(parsed.Data);
    }

    [Fact]
    public void Parses_an_unsubscribe()
    {
        Parsed parsed = Command("{\"action\":\"unsubscribe\",\"data\":\"news\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(ClientAction.Unsubscribe, parsed.Action);
        Assert.Equal("news", parsed.Topic);
    }

    [Fact]
    public void Parses_a_publish_command_with_every_field_as_raw_json()
    {
        Parsed parsed = Command("{\"action\":\"publish\",\"topic\":\"t\",\"event\":\"e\",\"message_id\":42,\"data\":{\"x\": [1, \"y\"]}}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(ClientAction.Publish, parsed.Action);
        Assert.Equal("t", parsed.Topic);
        Assert.Equal("\"e\"", parsed.Event);
        Assert.Equal("42", parsed.MessageId);
        Assert.Equal("{\"x\": [1, \"y\"]}", parsed.Data);
    }

    [Fact]
    public void Parses_a_publish_body_without_an_action()
    {
        Parsed parsed = PublishBody("{\"topic\":\"t\",\"event\":\"e\",\"message_id\":\"m-1\",\"data\":\"hello\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(ClientAction.Publish, parsed.Action);
        Assert.Equal("t", parsed.Topic);
        Assert.Equal("\"e\"", parsed.Event);
        Assert.Equal("\"m-1\"", parsed.MessageId);
        Assert.Equal("\"hello\"", parsed.Data);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("-1.5e3")]
    [InlineData("\"text\"")]
    [InlineData("[1,{\"a\":null}]")]
    [InlineData("{}")]
    public void Publish_data_may_be_any_json_value(string data)
    {
        Parsed parsed = PublishBody("{\"topic\":\"t\",\"data\":" + data + "}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(data, parsed.Data);
    }

    [Fact]
    public void Publish_fields_other_than_topic_are_optional()
    {
        Parsed parsed = PublishBody("{\"topic\":\"t\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Null(parsed.Event);
        Assert.Null(parsed.MessageId);
        Assert.Null(parsed.Data);
    }

    [Theory]
    [InlineData("{\"data\":\"news\",\"action\":\"subscribe\"}")]
    [InlineData("{\"extra\":1,\"data\":\"news\",\"more\":{\"nested\":[1,2,{\"action\":\"unsubscribe\"}]},\"action\":\"subscribe\",\"last\":null}")]
    [InlineData("  {  \"action\" : \"subscribe\" ,\n \"data\" : \"news\" }  ")]
    public void Key_order_unknown_keys_and_whitespace_do_not_matter(string json)
    {
        Parsed parsed = Command(json);

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(ClientAction.Subscribe, parsed.Action);
        Assert.Equal("news", parsed.Topic);
    }

    [Fact]
    public void Publish_keys_in_any_order_with_unknown_keys()
    {
        Parsed parsed = PublishBody("{\"data\":[1],\"zzz\":{\"topic\":\"wrong\"},\"message_id\":1,\"event\":\"e\",\"topic\":\"right\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal("right", parsed.Topic);
        Assert.Equal("[1]", parsed.Data);
        Assert.Equal("1", parsed.MessageId);
        Assert.Equal("\"e\"", parsed.Event);
    }

    [Fact]
    public void Escaped_topics_are_unescaped_and_the_raw_form_is_kept_for_deliveries()
    {
        Parsed parsed = Command("{\"action\":\"subscribe\",\"data\":\"a\\\"b\\\\c\\u00e9\\/\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal("a\"b\\cé/", parsed.Topic);
        Assert.Equal("\"a\\\"b\\\\c\\u00e9\\/\"", parsed.TopicJson);
    }

    [Fact]
    public void Non_ascii_topics_are_decoded_from_utf8()
    {
        Parsed parsed = Command("{\"action\":\"subscribe\",\"data\":\"ニュース😀\"}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal("ニュース😀", parsed.Topic);
    }

    [Fact]
    public void A_topic_may_be_exactly_as_long_as_the_buffer_but_not_longer()
    {
        string longest = new('a', MaxTopicLength);
        string tooLong = new('a', MaxTopicLength + 1);

        Assert.Equal(longest, Command("{\"action\":\"subscribe\",\"data\":\"" + longest + "\"}").Topic);
        Assert.Equal(ProtocolError.InvalidTopic, Command("{\"action\":\"subscribe\",\"data\":\"" + tooLong + "\"}").Error);
        Assert.Equal(ProtocolError.InvalidTopic, PublishBody("{\"topic\":\"" + tooLong + "\"}").Error);
    }

    [Fact]
    public void Topic_length_counts_unescaped_characters()
    {
        // 16 characters written as 96 bytes of escapes fit; 17 do not.
        string escaped16 = string.Concat(Enumerable.Repeat("\\u0041", MaxTopicLength));
        Assert.Equal(new string('A', MaxTopicLength), Command("{\"action\":\"subscribe\",\"data\":\"" + escaped16 + "\"}").Topic);
        Assert.Equal(ProtocolError.InvalidTopic, Command("{\"action\":\"subscribe\",\"data\":\"" + escaped16 + "\\u0041\"}").Error);

        // 16 three-byte characters (48 bytes) fit.
        string wide = new('€', MaxTopicLength);
        Assert.Equal(wide, Command("{\"action\":\"subscribe\",\"data\":\"" + wide + "\"}").Topic);
        Assert.Equal(ProtocolError.InvalidTopic, Command("{\"action\":\"subscribe\",\"data\":\"" + wide + "€\"}").Error);
    }

    [Theory]
    [InlineData("{\"action\":\"subscribe\",")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\"")]
    [InlineData("{action:\"subscribe\",\"data\":\"t\"}")]
    [InlineData("{\"action\":'subscribe',\"data\":\"t\"}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\",}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\"}x")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\"}{\"action\":\"subscribe\",\"data\":\"u\"}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\" /* comment */}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"\\x41\"}")]
    [InlineData("")]
    [InlineData("nonsense")]
    public void Invalid_json_is_invalid_json(string json)
    {
        Assert.Equal(ProtocolError.InvalidJson, Command(json).Error);
    }

    [Fact]
    public void Regression_a_topic_of_invalid_utf8_is_invalid_utf8_not_an_exception()
    {
        // Utf8JsonReader checks UTF-8 only when it transcodes; this used to throw InvalidOperationException out of
        // the parser, and the server dropped the client with no error frame and nothing counted.
        byte[] subscribe = [.. "{\"action\":\"subscribe\",\"data\":\""u8, 0xFF, 0xFE, .. "\"}"u8];
        byte[] publish = [.. "{\"topic\":\"a"u8, 0xC3, .. "\",\"data\":1}"u8];

        Assert.Equal(ProtocolError.InvalidUtf8, Parse(subscribe, requireAction: true).Error);
        Assert.Equal(ProtocolError.InvalidUtf8, Parse(publish, requireAction: false).Error);
    }

    [Fact]
    public void Regression_invalid_utf8_inside_publish_data_is_refused_not_passed_to_subscribers()
    {
        // Deliveries carry data verbatim; a browser closes its WebSocket on invalid UTF-8 in a text frame, so one bad
        // publisher could have cut every WebSocket subscriber of the topic.
        byte[] publish = [.. "{\"action\":\"publish\",\"topic\":\"t\",\"data\":\"a"u8, 0xED, 0xA0, 0x80, .. "\"}"u8];

        Assert.Equal(ProtocolError.InvalidUtf8, Parse(publish, requireAction: true).Error);
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("a\\udc00b")]
    [InlineData("\\ud800\\u0041")]
    public void Regression_a_topic_with_a_lone_surrogate_escape_is_an_invalid_topic_not_an_exception(string escapedTopic)
    {
        Assert.Equal(ProtocolError.InvalidTopic, Command("{\"action\":\"subscribe\",\"data\":\"" + escapedTopic + "\"}").Error);
    }

    [Theory]
    [InlineData("{\"\\udc00\\udc00\":1,\"action\":\"subscribe\",\"data\":\"t\",\"topic\":\"t\"}", true)]
    [InlineData("{\"topic\":\"t\",\"\\ud800xxxxxx\":1}", true)]
    [InlineData("{\"action\":\"\\ud800\\ud800\\ud800\",\"data\":\"t\"}", false)]
    public void Regression_a_key_or_action_with_a_lone_surrogate_escape_is_invalid_json_not_an_exception(string json, bool alsoAsPublishBody)
    {
        // Found by the fuzzer (tests/Janus.Fuzz.Tests): comparing a key or the action unescapes it, and a lone
        // surrogate threw InvalidOperationException out of the parser; the server logged an error and dropped the
        // client with no error frame. (A publish body never compares its action, so only keys matter there.)
        Assert.Equal(ProtocolError.InvalidJson, Command(json).Error);
        if (alsoAsPublishBody)
        {
            Assert.Equal(ProtocolError.InvalidJson, PublishBody(json).Error);
        }
    }

    [Fact]
    public void A_surrogate_pair_escape_is_one_character_pair()
    {
        Assert.Equal("😀", Command("{\"action\":\"subscribe\",\"data\":\"\\ud83d\\ude00\"}").Topic);
    }

    [Fact]
    public void Nesting_deeper_than_the_reader_allows_is_invalid_json()
    {
        string deep = "{\"action\":\"subscribe\",\"data\":\"t\",\"x\":" + new string('[', 100) + new string(']', 100) + "}";

        Assert.Equal(ProtocolError.InvalidJson, Command(deep).Error);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"subscribe\"")]
    [InlineData("42")]
    [InlineData("{}")]
    [InlineData("{\"data\":\"t\"}")]
    public void Json_that_is_not_an_object_with_an_action_is_an_invalid_command(string json)
    {
        Assert.Equal(ProtocolError.InvalidCommand, Command(json).Error);
    }

    [Theory]
    [InlineData("{\"action\":\"dance\",\"data\":\"t\"}")]
    [InlineData("{\"action\":\"SUBSCRIBE\",\"data\":\"t\"}")]
    [InlineData("{\"action\":\"\",\"data\":\"t\"}")]
    [InlineData("{\"action\":1,\"data\":\"t\"}")]
    [InlineData("{\"action\":null,\"data\":\"t\"}")]
    [InlineData("{\"action\":[\"subscribe\"],\"data\":\"t\"}")]
    public void An_action_that_is_not_known_is_an_unknown_action(string json)
    {
        Assert.Equal(ProtocolError.UnknownAction, Command(json).Error);
    }

    [Theory]
    [InlineData("{\"action\":\"subscribe\",\"data\":42}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":null}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":{\"topic\":\"t\"}}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":[\"t\"]}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"\"}")]
    [InlineData("{\"action\":\"subscribe\"}")]
    [InlineData("{\"action\":\"unsubscribe\",\"data\":true}")]
    [InlineData("{\"action\":\"publish\",\"data\":\"t\"}")]
    [InlineData("{\"action\":\"publish\",\"topic\":7,\"data\":1}")]
    [InlineData("{\"action\":\"publish\",\"topic\":\"\",\"data\":1}")]
    public void A_missing_empty_or_non_string_topic_is_an_invalid_topic(string json)
    {
        Assert.Equal(ProtocolError.InvalidTopic, Command(json).Error);
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("\"t\"")]
    [InlineData("{}")]
    [InlineData("{\"event\":\"e\",\"data\":1}")]
    [InlineData("{\"topic\":7}")]
    [InlineData("{\"topic\":null}")]
    public void A_publish_body_without_a_string_topic_is_an_invalid_publish(string json)
    {
        Assert.Equal(ProtocolError.InvalidPublish, PublishBody(json).Error);
    }

    [Fact]
    public void An_empty_topic_in_a_publish_body_is_an_invalid_topic()
    {
        Assert.Equal(ProtocolError.InvalidTopic, PublishBody("{\"topic\":\"\"}").Error);
    }

    [Fact]
    public void Invalid_json_in_a_publish_body_is_invalid_json()
    {
        Assert.Equal(ProtocolError.InvalidJson, PublishBody("{\"topic\":\"t\",\"data\":").Error);
    }

    [Fact]
    public void A_publish_body_ignores_an_action_key()
    {
        Parsed parsed = PublishBody("{\"action\":\"subscribe\",\"topic\":\"t\",\"data\":1}");

        Assert.Equal(ProtocolError.None, parsed.Error);
        Assert.Equal(ClientAction.Publish, parsed.Action);
    }

    [Fact]
    public void The_last_of_repeated_keys_wins()
    {
        Parsed parsed = Command("{\"action\":\"subscribe\",\"data\":\"first\",\"data\":\"second\"}");

        Assert.Equal("second", parsed.Topic);
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("\"\\u00e9\\/\\u0020\"", "é/ ")]
    public void TryUnescapeTopic_unescapes_a_json_string(string json, string expected)
    {
        char[] buffer = new char[MaxTopicLength];

        Assert.True(ClientCommandParser.TryUnescapeTopic(Encoding.UTF8.GetBytes(json), buffer, out int length));
        Assert.Equal(expected, new string(buffer, 0, length));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("42")]
    [InlineData("\"unterminated")]
    [InlineData("\"\\ud800\"")]
    [InlineData("")]
    public void TryUnescapeTopic_refuses_what_is_not_a_non_empty_string(string json)
    {
        Assert.False(ClientCommandParser.TryUnescapeTopic(Encoding.UTF8.GetBytes(json), new char[MaxTopicLength], out _));
    }

    [Theory]
    [InlineData("""{"action":"subscribe","data":"news","since":{"position":"17","epo\udc00ch":"e1"}}""")]
    [InlineData("""{"action":"subscribe","data":"news","since":{"\ud800":1}}""")]
    public void A_since_with_an_escaped_lone_surrogate_in_a_key_is_invalid_position_not_an_exception(string json)
    {
        // Found by the command parser's fuzz target: comparing the key unescapes it, which throws for a lone surrogate.
        Assert.Equal(ProtocolError.InvalidPosition, Command(json).Error);
    }

    private static Parsed Command(string json) => Parse(Encoding.UTF8.GetBytes(json), requireAction: true);

    private static Parsed PublishBody(string json) => Parse(Encoding.UTF8.GetBytes(json), requireAction: false);

    private static Parsed Parse(byte[] json, bool requireAction)
    {
        Span<char> topic = stackalloc char[MaxTopicLength];
        ProtocolError error = requireAction
            ? ClientCommandParser.TryParseCommand(json, topic, out ClientCommand command)
            : ClientCommandParser.TryParsePublishBody(json, topic, out command);
        if (error != ProtocolError.None)
        {
            return new Parsed(error, default, null, null, null, null, null);
        }

        return new Parsed(
            error,
            command.Action,
            command.Topic.ToString(),
            Raw(json, command.TopicJson),
            Raw(json, command.Event),
            Raw(json, command.MessageId),
            Raw(json, command.Data));
    }

    private static string? Raw(byte[] json, JsonValueRange range) =>
        range.IsPresent ? Encoding.UTF8.GetString(range.Slice(json)) : null;

    private sealed record Parsed(ProtocolError Error, ClientAction Action, string? Topic, string? TopicJson, string? Event, string? MessageId, string? Data);
}
