using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Janus.Protocol.Tests;

public sealed partial class ServerMessagesTests
{
    [Fact]
    public void Tokens_are_32_lowercase_hex_characters_and_fresh_each_time()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 1000; i++)
        {
            string token = ServerMessages.NewToken();
            Assert.Equal(ServerMessages.TokenLength, token.Length);
            Assert.Matches(LowercaseHex(), token);
            Assert.True(seen.Add(token), "a token repeated");
        }
    }

    [Fact]
    public void The_greeting_is_timestamp_then_token_as_a_string()
    {
        const string token = "0123456789abcdef0123456789abcdef";

        string greeting = Encoding.UTF8.GetString(ServerMessages.EncodeGreeting(new ErlangTimestamp(1700, 12, 345), token));

        Assert.Equal("{\"timestamp\":[1700,12,345],\"token\":\"0123456789abcdef0123456789abcdef\"}", greeting);
        using JsonDocument document = JsonDocument.Parse(greeting);
        JsonProperty[] properties = [.. document.RootElement.EnumerateObject()];
        Assert.Equal(2, properties.Length);
        Assert.Equal("timestamp", properties[0].Name);
        Assert.Equal(JsonValueKind.Array, properties[0].Value.ValueKind);
        Assert.Equal("token", properties[1].Name);
        Assert.Equal(JsonValueKind.String, properties[1].Value.ValueKind);
    }

    [Fact]
    public void A_greeting_with_a_fresh_token_and_the_largest_timestamp_is_valid_json()
    {
        string token = ServerMessages.NewToken();

        byte[] greeting = ServerMessages.EncodeGreeting(new ErlangTimestamp(long.MaxValue, 999_999, 999_999), token);

        using JsonDocument document = JsonDocument.Parse(greeting);
        Assert.Equal(token, document.RootElement.GetProperty("token").GetString());
    }

    [Fact]
    public void The_leading_timestamp_is_read_back_from_a_greeting_and_a_delivery()
    {
        var timestamp = new ErlangTimestamp(1700, 999_999, 1);
        byte[] greeting = ServerMessages.EncodeGreeting(timestamp, ServerMessages.NewToken());
        byte[] delivery = Encoding.UTF8.GetBytes("{\"timestamp\":[1700,999999,1],\"topic\":\"t\",\"event\":null,\"message_id\":null,\"data\":null}");

        Assert.True(ServerMessages.TryReadLeadingTimestamp(greeting, out ErlangTimestamp fromGreeting));
        Assert.True(ServerMessages.TryReadLeadingTimestamp(delivery, out ErlangTimestamp fromDelivery));

        Assert.Equal(timestamp, fromGreeting);
        Assert.Equal(timestamp, fromDelivery);
    }

    [Fact]
    public void The_leading_timestamp_tolerates_other_encoders_whitespace()
    {
        byte[] message = Encoding.UTF8.GetBytes("{ \"timestamp\" : [ 1, 2, 3 ], \"topic\": \"t\" }");

        Assert.True(ServerMessages.TryReadLeadingTimestamp(message, out ErlangTimestamp timestamp));
        Assert.Equal(new ErlangTimestamp(1, 2, 3), timestamp);
    }

    [Theory]
    [InlineData("ACK")]
    [InlineData("PING")]
    [InlineData("{\"error\":\"invalid_json\",\"reason\":\"x\"}")]
    [InlineData("{\"timestamp\":\"now\"}")]
    [InlineData("{\"timestamp\" 1}")]
    public void Messages_without_a_timestamp_are_recognised(string message)
    {
        Assert.False(ServerMessages.TryReadLeadingTimestamp(Encoding.UTF8.GetBytes(message), out _));
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex LowercaseHex();
}
