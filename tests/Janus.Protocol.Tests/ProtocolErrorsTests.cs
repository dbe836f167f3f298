using System.Text.Json;

namespace Janus.Protocol.Tests;

public sealed class ProtocolErrorsTests
{
    public static TheoryData<ProtocolError> Errors()
    {
        var data = new TheoryData<ProtocolError>();
        foreach (ProtocolError error in Enum.GetValues<ProtocolError>())
        {
            if (error != ProtocolError.None)
            {
                data.Add(error);
            }
        }

        return data;
    }

    [Fact]
    public void Every_error_has_a_code_and_a_reason()
    {
        Assert.Equal(Enum.GetValues<ProtocolError>().Length, ProtocolErrors.Count);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (ProtocolError error in Enum.GetValues<ProtocolError>())
        {
            Assert.Matches("^[a-z0-9_]+$", ProtocolErrors.Code(error));
            Assert.False(string.IsNullOrWhiteSpace(ProtocolErrors.Reason(error)));
            Assert.True(codes.Add(ProtocolErrors.Code(error)), "codes must be distinct");
        }
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public void The_error_frame_is_a_json_object_with_error_then_reason(ProtocolError error)
    {
        using JsonDocument document = JsonDocument.Parse(ProtocolErrors.EncodeJson(error));
        JsonProperty[] properties = [.. document.RootElement.EnumerateObject()];

        Assert.Equal(2, properties.Length);
        Assert.Equal("error", properties[0].Name);
        Assert.Equal(ProtocolErrors.Code(error), properties[0].Value.GetString());
        Assert.Equal("reason", properties[1].Name);
        Assert.Equal(ProtocolErrors.Reason(error), properties[1].Value.GetString());
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public void Codes_parse_back_to_their_error(ProtocolError error)
    {
        Assert.True(ProtocolErrors.TryParseCode(ProtocolErrors.Code(error), out ProtocolError parsed));
        Assert.Equal(error, parsed);
    }

    [Fact]
    public void Unknown_codes_do_not_parse()
    {
        Assert.False(ProtocolErrors.TryParseCode("INVALID_JSON", out _));
        Assert.False(ProtocolErrors.TryParseCode("bogus", out _));
    }

    [Fact]
    public void The_wire_codes_are_stable()
    {
        // Clients match on these strings; renaming one is a protocol change.
        Assert.Equal("invalid_json", ProtocolErrors.Code(ProtocolError.InvalidJson));
        Assert.Equal("invalid_command", ProtocolErrors.Code(ProtocolError.InvalidCommand));
        Assert.Equal("unknown_action", ProtocolErrors.Code(ProtocolError.UnknownAction));
        Assert.Equal("invalid_topic", ProtocolErrors.Code(ProtocolError.InvalidTopic));
        Assert.Equal("invalid_publish", ProtocolErrors.Code(ProtocolError.InvalidPublish));
        Assert.Equal("unknown_frame", ProtocolErrors.Code(ProtocolError.UnknownFrame));
        Assert.Equal("frame_too_large", ProtocolErrors.Code(ProtocolError.FrameTooLarge));
        Assert.Equal("publish_forbidden", ProtocolErrors.Code(ProtocolError.PublishForbidden));
        Assert.Equal("too_many_subscriptions", ProtocolErrors.Code(ProtocolError.TooManySubscriptions));
        Assert.Equal("slow_consumer", ProtocolErrors.Code(ProtocolError.SlowConsumer));
        Assert.Equal("heartbeat_timeout", ProtocolErrors.Code(ProtocolError.HeartbeatTimeout));
        Assert.Equal("server_shutdown", ProtocolErrors.Code(ProtocolError.ServerShutdown));
        Assert.Equal("invalid_websocket_frame", ProtocolErrors.Code(ProtocolError.InvalidWebSocketFrame));
        Assert.Equal("binary_frame", ProtocolErrors.Code(ProtocolError.BinaryFrame));
        Assert.Equal("invalid_utf8", ProtocolErrors.Code(ProtocolError.InvalidUtf8));
        Assert.Equal("too_many_connections", ProtocolErrors.Code(ProtocolError.TooManyConnections));
        Assert.Equal("too_many_connections_from_address", ProtocolErrors.Code(ProtocolError.TooManyConnectionsFromAddress));
        Assert.Equal("connection_rate_limited", ProtocolErrors.Code(ProtocolError.ConnectionRateLimited));
        Assert.Equal("too_many_topics", ProtocolErrors.Code(ProtocolError.TooManyTopics));
        Assert.Equal("frame_timeout", ProtocolErrors.Code(ProtocolError.FrameTimeout));
        Assert.Equal("publish_rate_limited", ProtocolErrors.Code(ProtocolError.PublishRateLimited));
    }
}
