using System.Buffers;
using System.Text;
using Janus.Bot.Protocols;
using Janus.Protocol.Client;

namespace Janus.Bot.Tests;

/// <summary>How the bot cuts server bytes into messages, for Janus (0x01) and Redis (RESP).</summary>
public sealed class ProtocolReaderTests
{
    // What a read that is not Done is reported as, so one assertion covers status and kind.
    private const string Incomplete = "Incomplete";
    private const string Malformed = "Malformed";

    private static string Read(ClientProtocol protocol, string text, out int consumed, out string payload)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        OperationStatus status = protocol.Read(bytes, out consumed, out ServerFrameKind kind, out int start, out int length);
        payload = Encoding.UTF8.GetString(bytes, start, length);
        return status switch
        {
            OperationStatus.Done => kind.ToString(),
            OperationStatus.NeedMoreData => Incomplete,
            _ => Malformed,
        };
    }

    [Theory]
    [InlineData("ACK\u0001", nameof(ServerFrameKind.Ack))]
    [InlineData("PING\u0001", nameof(ServerFrameKind.Ping))]
    [InlineData("{\"timestamp\":[1,2,3],\"token\":\"abc\"}\u0001", nameof(ServerFrameKind.Greeting))]
    [InlineData("{\"timestamp\":[1,2,3],\"topic\":\"events\"}\u0001", nameof(ServerFrameKind.Delivery))]
    [InlineData("{\"error\":\"invalid_json\",\"reason\":\"x\"}\u0001", nameof(ServerFrameKind.Error))]
    [InlineData("WHAT\u0001", nameof(ServerFrameKind.Unknown))]
    [InlineData("{\"timestamp\":[1,2,3]", Incomplete)]
    public void Janus_messages_end_with_0x01(string text, string expected)
    {
        Assert.Equal(expected, Read(JanusClientProtocol.Instance, text, out _, out _));
    }

    [Fact]
    public void Janus_reads_one_message_at_a_time()
    {
        string kind = Read(JanusClientProtocol.Instance, "ACK\u0001{\"timestamp\":[1,2,3]}\u0001", out int consumed, out string payload);

        Assert.Equal(nameof(ServerFrameKind.Ack), kind);
        Assert.Equal(4, consumed);
        Assert.Equal("ACK", payload);
    }

    [Fact]
    public void Janus_client_frames_are_the_original_bots()
    {
        Assert.Equal("<regular-socket/>\0PING\0", Encoding.UTF8.GetString(JanusClientProtocol.Instance.Hello("events")));
        Assert.Equal("<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"events\"}\0", Encoding.UTF8.GetString(JanusClientProtocol.Instance.Subscribe("events")));
        Assert.Equal(
            "<regular-socket/>\0PUBLISH\0{\"topic\":\"events\",\"event\":\"test_event\",\"message_id\":\"\",\"data\":\"test\"}",
            Encoding.UTF8.GetString(JanusClientProtocol.Publish("events")));
    }

    [Fact]
    public void Redis_subscribe_reply_counts_as_subscribed()
    {
        const string reply = "*3\r\n$9\r\nsubscribe\r\n$6\r\nevents\r\n:1\r\n";
        string kind = Read(RedisClientProtocol.Instance, reply + "*3", out int consumed, out _);

        Assert.Equal(nameof(ServerFrameKind.Ack), kind);
        Assert.Equal(reply.Length, consumed);
    }

    [Fact]
    public void Redis_message_payload_is_the_third_element()
    {
        const string json = "{\"timestamp\":[1764,81234,567890],\"topic\":\"events\"}";
        string text = $"*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n${json.Length}\r\n{json}\r\n";

        string kind = Read(RedisClientProtocol.Instance, text, out int consumed, out string payload);

        Assert.Equal(nameof(ServerFrameKind.Delivery), kind);
        Assert.Equal(text.Length, consumed);
        Assert.Equal(json, payload);
    }

    [Fact]
    public void Redis_message_cut_anywhere_is_incomplete_until_its_last_byte()
    {
        const string text = "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$4\r\ntest\r\n";
        for (int cut = 0; cut < text.Length; cut++)
        {
            Assert.Equal(Incomplete, Read(RedisClientProtocol.Instance, text[..cut], out int consumed, out _));
            Assert.Equal(0, consumed);
        }

        Assert.Equal(nameof(ServerFrameKind.Delivery), Read(RedisClientProtocol.Instance, text, out _, out _));
    }

    [Fact]
    public void Redis_errors_and_garbage_are_told_apart()
    {
        const string error = "-ERR max number of clients reached\r\n";
        Assert.Equal(nameof(ServerFrameKind.Error), Read(RedisClientProtocol.Instance, error + "*", out int consumed, out _));
        Assert.Equal(error.Length, consumed);
        Assert.Equal(Malformed, Read(RedisClientProtocol.Instance, "hello", out _, out _));
        Assert.Equal(Malformed, Read(RedisClientProtocol.Instance, "*x\r\n", out _, out _));
    }

    [Fact]
    public void Redis_publish_carries_the_stamped_delivery_json()
    {
        Span<byte> payload = stackalloc byte[256];
        int length = TestMessage.WriteStampedDelivery(payload, new Janus.Protocol.ErlangTimestamp(1764, 81234, 5), "\"events\""u8);
        byte[] command = new byte[512];
        int written = RedisClientProtocol.WritePublish(command, "events"u8, payload[..length]);

        string json = "{\"timestamp\":[1764,81234,5],\"topic\":\"events\",\"event\":\"test_event\",\"message_id\":\"\",\"data\":\"test\"}";
        Assert.Equal($"*3\r\n$7\r\nPUBLISH\r\n$6\r\nevents\r\n${json.Length}\r\n{json}\r\n", Encoding.UTF8.GetString(command, 0, written));
    }
}
