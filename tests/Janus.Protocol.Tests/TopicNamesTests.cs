using System.Text;

namespace Janus.Protocol.Tests;

public sealed class TopicNamesTests
{
    [Theory]
    [InlineData("test")]
    [InlineData("test-17")]
    [InlineData("user:42:inbox")]
    [InlineData("with spaces and punctuation !\"#$%&'()*+,-./")]
    [InlineData("caf\u00e9 \u65b0\u805e \U0001F600")]
    [InlineData("\u00a0non-breaking space, the first character after C1")]
    public void Names_of_any_script_spaces_and_punctuation_are_valid(string name) => Assert.True(TopicNames.IsValid(name, 256));

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\u0001b")]
    [InlineData("line\nbreak")]
    [InlineData("tab\tbed")]
    [InlineData("\u001b[31mred")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0080")]
    [InlineData("next line\u0085")]
    [InlineData("c1\u009f")]
    [InlineData("")]
    public void Empty_names_and_control_characters_are_not(string name) => Assert.False(TopicNames.IsValid(name, 256));

    [Fact]
    public void Lone_surrogates_are_not()
    {
        // Not as InlineData: test discovery carries strings as UTF-8, which turns a lone surrogate into U+FFFD.
        foreach (string name in new[] { "lone \ud800 high", "lone \udc00 low", "reversed \udc00\ud800 pair", "\ud83d", "\ude00" })
        {
            Assert.False(TopicNames.IsValid(name, 256), name.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void The_length_limit_counts_UTF16_code_units()
    {
        Assert.True(TopicNames.IsValid(new string('t', 256), 256));
        Assert.False(TopicNames.IsValid(new string('t', 257), 256));
        Assert.False(TopicNames.IsValid("\U0001F600", 1));
    }

    [Fact]
    public void The_original_bots_topics_stay_valid()
    {
        // janus-bot (and the 2009 bot it imitates) subscribe to "test" or "test-<n>".
        Assert.True(TopicNames.IsValid("test", 256));
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(TopicNames.IsValid("test-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), 256));
        }
    }

    [Fact]
    public void Names_are_not_normalised_two_spellings_stay_two_topics()
    {
        const string composed = "caf\u00e9";
        const string decomposed = "cafe\u0301";
        char[] buffer = new char[256];

        Assert.Equal(ProtocolError.None, ClientCommandParser.TryParseCommand(Encoding.UTF8.GetBytes($"{{\"action\":\"subscribe\",\"data\":\"{decomposed}\"}}"), buffer, out ClientCommand command));

        Assert.Equal(decomposed, command.Topic.ToString());
        Assert.NotEqual(composed, command.Topic.ToString());
    }

    [Theory]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"a\\u0001b\"}")]
    [InlineData("{\"action\":\"unsubscribe\",\"data\":\"a\\u001fb\"}")]
    [InlineData("{\"action\":\"publish\",\"topic\":\"a\\u009fb\",\"data\":1}")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"a\u007fb\"}")]
    public void The_command_parser_refuses_control_characters_escaped_or_raw(string frame)
    {
        Assert.Equal(ProtocolError.InvalidTopic, ClientCommandParser.TryParseCommand(Encoding.UTF8.GetBytes(frame), new char[256], out _));
    }

    [Fact]
    public void A_resume_naming_a_topic_with_a_control_character_is_refused()
    {
        Assert.True(StreamPosition.TryParseMap("{\"news\":{\"offset\":1,\"epoch\":\"e\"}}"u8, 10, 256, out _));
        Assert.False(StreamPosition.TryParseMap("{\"a\\u0001b\":{\"offset\":1,\"epoch\":\"e\"}}"u8, 10, 256, out _));
    }
}
