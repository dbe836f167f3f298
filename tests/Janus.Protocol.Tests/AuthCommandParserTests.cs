using System.Text;

namespace Janus.Protocol.Tests;

/// <summary>The token of <c>hello</c> and <c>auth</c> (docs/sessions.md#tokens-for-protected-topics).</summary>
public sealed class AuthCommandParserTests
{
    [Theory]
    [InlineData("{\"action\":\"hello\",\"token\":\"a.b.c\"}", ClientAction.Hello)]
    [InlineData("{\"token\":\"a.b.c\",\"action\":\"auth\"}", ClientAction.Auth)]
    public void Hello_and_auth_carry_the_token_as_a_json_string(string json, ClientAction action)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(ProtocolError.None, ClientCommandParser.TryParseCommand(bytes, new char[64], out ClientCommand command));
        Assert.Equal(action, command.Action);
        Assert.Equal("\"a.b.c\"", Encoding.UTF8.GetString(command.Token.Slice(bytes)));
    }

    [Fact]
    public void A_hello_without_a_token_is_still_a_hello()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("{\"action\":\"hello\"}");
        Assert.Equal(ProtocolError.None, ClientCommandParser.TryParseCommand(bytes, new char[64], out ClientCommand command));
        Assert.False(command.Token.IsPresent);
    }

    [Theory]
    [InlineData("{\"action\":\"auth\"}")]
    [InlineData("{\"action\":\"auth\",\"token\":null}")]
    [InlineData("{\"action\":\"hello\",\"token\":42}")]
    [InlineData("{\"action\":\"hello\",\"token\":[\"a.b.c\"]}")]
    public void A_missing_or_non_string_token_is_invalid_token(string json)
    {
        Assert.Equal(ProtocolError.InvalidToken, ClientCommandParser.TryParseCommand(Encoding.UTF8.GetBytes(json), new char[64], out _));
    }

    [Fact]
    public void A_subscribe_ignores_a_token_key()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("{\"action\":\"subscribe\",\"data\":\"news\",\"token\":\"a.b.c\"}");
        Assert.Equal(ProtocolError.None, ClientCommandParser.TryParseCommand(bytes, new char[64], out ClientCommand command));
        Assert.False(command.Token.IsPresent);
    }

    [Fact]
    public void A_topic_error_names_its_topic_after_the_code_and_reason()
    {
        string json = Encoding.UTF8.GetString(ProtocolErrors.EncodeTopicJson(ProtocolError.TokenExpired, "private:\"a\""));
        Assert.StartsWith("{\"error\":\"token_expired\",\"reason\":\"", json, StringComparison.Ordinal);
        Assert.EndsWith(",\"topic\":\"private:\\\"a\\\"\"}", json, StringComparison.Ordinal);
    }
}
