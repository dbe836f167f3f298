using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Sessions;
using Janus.Server.Transports;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class BadInputTests
{
    private const int MaxFrameBytes = 1024;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Janus:Limits:MaxFrameBytes"] = MaxFrameBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Janus:Limits:MaxSubscriptionsPerConnection"] = "2",
    };

    public static TheoryData<string, byte[], ProtocolError> BadInputs() => new()
    {
        { "invalid JSON", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"t\"\0"), ProtocolError.InvalidJson },
        { "JSON with trailing garbage", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"t\"}}\0"), ProtocolError.InvalidJson },
        { "JSON without an action", Frames.Bytes("{\"data\":\"t\"}\0"), ProtocolError.InvalidCommand },
        { "unknown action", Frames.Bytes("{\"action\":\"dance\",\"data\":\"t\"}\0"), ProtocolError.UnknownAction },
        { "non-string topic", Frames.Bytes("{\"action\":\"subscribe\",\"data\":42}\0"), ProtocolError.InvalidTopic },
        { "empty topic", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"\"}\0"), ProtocolError.InvalidTopic },
        { "topic too long", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"" + new string('t', 257) + "\"}\0"), ProtocolError.InvalidTopic },
        { "topic of invalid UTF-8", [.. Frames.Bytes("{\"action\":\"subscribe\",\"data\":\""), 0xFF, 0xC3, .. Frames.Bytes("\"}\0")], ProtocolError.InvalidUtf8 },
        { "publish data of invalid UTF-8", [.. Frames.Bytes("{\"action\":\"publish\",\"topic\":\"t\",\"data\":\"a"), 0xED, 0xA0, 0x80, .. Frames.Bytes("\"}\0")], ProtocolError.InvalidUtf8 },
        { "topic with a lone surrogate", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"\\ud800\"}\0"), ProtocolError.InvalidTopic },
        { "topic with an escaped control character", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"a\\u0001b\"}\0"), ProtocolError.InvalidTopic },
        { "topic with a raw DEL", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"a\u007fb\"}\0"), ProtocolError.InvalidTopic },
        { "topic with a raw C1 control (NEL)", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"a\u0085b\"}\0"), ProtocolError.InvalidTopic },
        { "publish to a topic with a newline", Frames.Bytes("PUBLISH\0{\"topic\":\"a\\nb\",\"event\":\"e\",\"data\":1}\0"), ProtocolError.InvalidTopic },
        { "garbage bytes", [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x00], ProtocolError.UnknownFrame },
        { "lowercase keyword", Frames.Bytes("<regular-socket/>\0ping\0"), ProtocolError.UnknownFrame },
        { "JSON array", Frames.Bytes("[\"subscribe\",\"t\"]\0"), ProtocolError.UnknownFrame },
        { "PUBLISH body without a topic", Frames.Bytes("PUBLISH\0{\"event\":\"e\",\"data\":1}\0"), ProtocolError.InvalidPublish },
        { "PUBLISH body that is not JSON", Frames.Bytes("PUBLISH\0hello\0"), ProtocolError.InvalidJson },
        { "PUBLISH body that can never be JSON", Frames.Bytes("PUBLISH\0{\"topic\":}"), ProtocolError.InvalidJson },
        { "frame over the limit, no delimiter", Frames.Bytes(new string('a', MaxFrameBytes * 2)), ProtocolError.FrameTooLarge },
        { "JSON frame over the limit, no delimiter", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"" + new string('t', MaxFrameBytes * 2)), ProtocolError.FrameTooLarge },
        { "frame over the limit with its delimiter", Frames.Bytes("{\"action\":\"subscribe\",\"data\":\"" + new string('t', MaxFrameBytes) + "\"}\0"), ProtocolError.FrameTooLarge },
        { "PUBLISH body over the limit", Frames.Bytes("PUBLISH\0{\"topic\":\"t\",\"data\":\"" + new string('d', MaxFrameBytes * 2)), ProtocolError.FrameTooLarge },
        { "PUBLISH body over the limit ended by NUL", Frames.Bytes("PUBLISH\0" + Frames.PublishBody("t", 1, "\"" + new string('d', MaxFrameBytes) + "\"") + "\0"), ProtocolError.FrameTooLarge },
        { "PUBLISH body over the limit, complete in one write", Frames.Bytes("PUBLISH\0" + Frames.PublishBody("t", 1, "\"" + new string('d', MaxFrameBytes) + "\"")), ProtocolError.FrameTooLarge },
        { "too many subscriptions", Frames.Bytes(Frames.Subscribe("a") + Frames.Subscribe("b") + Frames.Subscribe("c")), ProtocolError.TooManySubscriptions },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_gets_an_error_frame_and_a_close_is_counted_and_the_server_serves_the_next_client(string name, byte[] input, ProtocolError expected)
    {
        Assert.NotNull(name);
        await using JanusTestServer server = await JanusTestServer.StartAsync(Settings);
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using (RawTcpClient bad = await server.ConnectTcpAsync())
        {
            await bad.SendAsync(input);

            IReadOnlyList<string> messages = await bad.ReadUntilClosedWithErrorAsync(expected);

            // Frames before the bad one were handled (the ACKs); the error frame is the last thing sent.
            Assert.All(messages.Take(messages.Count - 1), m => Assert.Equal("ACK", m));
        }

        Assert.Equal(1, metrics.Errors(expected));
        foreach (ProtocolError other in Enum.GetValues<ProtocolError>())
        {
            Assert.Equal(other == expected ? 1 : 0, metrics.Errors(other));
        }

        // The bad connection is entirely gone.
        await server.GetRequiredService<ConnectionRegistry>().WaitForCountAsync(0).WaitAsync(RawTcpClient.DefaultTimeout);
        Assert.Equal(0, server.GetRequiredService<SessionRegistry>().Count);
        Assert.Equal(0, server.GetRequiredService<TopicRegistry>().Count);

        // And the next clients are served as usual.
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("after");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync("PUBLISH\0" + Frames.PublishBody("after", 1));
        Assert.Equal("1", (await subscriber.ReadDeliveryAsync()).MessageId);
    }

    [Fact]
    public async Task A_bad_client_does_not_disturb_the_others_connected_at_the_same_time()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(Settings);
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        for (int i = 0; i < 10; i++)
        {
            await using RawTcpClient bad = await server.ConnectTcpAsync();
            await bad.SendAsync([0xFF, 0x00]);
            await publisher.SendAsync(Frames.PublishCommand("t", i));
            Assert.Single(await bad.ReadUntilClosedWithErrorAsync(ProtocolError.UnknownFrame));
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(i, (await subscriber.ReadDeliveryAsync()).MessageIdNumber);
        }

        Assert.Equal(10, server.GetRequiredService<JanusMetrics>().Errors(ProtocolError.UnknownFrame));
    }
}
