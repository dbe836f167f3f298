using System.Buffers;
using System.Text;
using Janus.Bot.Protocols;
using Janus.Protocol.Client;

namespace Janus.Bot.Tests;

/// <summary>How the bot speaks core NATS: what a subscriber sends, and how it cuts what the server pushes.</summary>
public sealed class NatsProtocolTests
{
    private const string Incomplete = "Incomplete";
    private const string Malformed = "Malformed";
    private const string Json = "{\"timestamp\":[1764,81234,567890],\"topic\":\"events\",\"event\":\"test_event\",\"message_id\":\"\",\"data\":\"test\"}";

    private static string Read(string text, out int consumed, out string payload) => Read(Encoding.UTF8.GetBytes(text), out consumed, out payload);

    private static string Read(byte[] bytes, out int consumed, out string payload)
    {
        OperationStatus status = NatsClientProtocol.Instance.Read(bytes, out consumed, out ServerFrameKind kind, out int start, out int length);
        payload = Encoding.UTF8.GetString(bytes, start, length);
        return status switch
        {
            OperationStatus.Done => kind.ToString(),
            OperationStatus.NeedMoreData => Incomplete,
            _ => Malformed,
        };
    }

    /// <summary>Reads a whole stream, message after message, as the receive loop does: (kind, payload) of each.</summary>
    private static List<(string Kind, string Payload)> ReadAll(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var messages = new List<(string, string)>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            string kind = Read(bytes[offset..], out int consumed, out string payload);
            Assert.NotEqual(Malformed, kind);
            if (kind == Incomplete)
            {
                break;
            }

            messages.Add((kind, payload));
            offset += consumed;
        }

        Assert.Equal(bytes.Length, offset);
        return messages;
    }

    [Fact]
    public void The_subscriber_waits_for_INFO_then_connects_subscribes_and_pings_in_one_write()
    {
        Assert.True(NatsClientProtocol.Instance.WaitsForGreeting);
        Assert.Empty(NatsClientProtocol.Instance.Hello("events"));
        string subscribe = Encoding.UTF8.GetString(NatsClientProtocol.Instance.Subscribe("events-3"));

        Assert.StartsWith("CONNECT {\"verbose\":false,\"pedantic\":false,", subscribe, StringComparison.Ordinal);
        Assert.EndsWith("}\r\nSUB events-3 1\r\nPING\r\n", subscribe, StringComparison.Ordinal);
        Assert.Equal("PONG\r\n", Encoding.UTF8.GetString(NatsClientProtocol.Instance.Pong));
    }

    [Theory]
    [InlineData("INFO {\"server_id\":\"N1\",\"max_payload\":1048576}\r\n", nameof(ServerFrameKind.Greeting), "{\"server_id\":\"N1\",\"max_payload\":1048576}")]
    [InlineData("PONG\r\n", nameof(ServerFrameKind.Ack), "")]
    [InlineData("PING\r\n", nameof(ServerFrameKind.Ping), "")]
    [InlineData("ping\r\n", nameof(ServerFrameKind.Ping), "")]
    [InlineData("+OK\r\n", nameof(ServerFrameKind.Unknown), "")]
    [InlineData("-ERR 'Maximum Connections Exceeded'\r\n", nameof(ServerFrameKind.Error), "'Maximum Connections Exceeded'")]
    public void Server_operations_are_classified(string text, string expected, string expectedPayload)
    {
        Assert.Equal(expected, Read(text + "MSG", out int consumed, out string payload));
        Assert.Equal(text.Length, consumed);
        Assert.Equal(expectedPayload, payload);
    }

    [Theory]
    [InlineData("MSG events 1 {0}\r\n")]
    [InlineData("MSG events 1 _INBOX.abc.1 {0}\r\n")]
    [InlineData("MSG\tevents  1\t {0}\r\n")]
    public void A_MSG_payload_is_its_body_with_or_without_reply_to(string header)
    {
        string text = string.Format(System.Globalization.CultureInfo.InvariantCulture, header, Json.Length) + Json + "\r\n";

        Assert.Equal(nameof(ServerFrameKind.Delivery), Read(text + "PING\r\n", out int consumed, out string payload));
        Assert.Equal(text.Length, consumed);
        Assert.Equal(Json, payload);
    }

    [Fact]
    public void An_HMSG_payload_is_the_body_after_the_headers()
    {
        const string headers = "NATS/1.0\r\nX-Key: v\r\n\r\n";
        string text = $"HMSG events 1 reply {headers.Length} {headers.Length + Json.Length}\r\n{headers}{Json}\r\n";

        Assert.Equal(nameof(ServerFrameKind.Delivery), Read(text, out int consumed, out string payload));
        Assert.Equal(text.Length, consumed);
        Assert.Equal(Json, payload);
    }

    [Fact]
    public void A_MSG_cut_anywhere_is_incomplete_until_its_last_byte()
    {
        // The payload holds a CRLF of its own: only the byte count says where it ends.
        const string body = "ab\r\ncd";
        string text = $"MSG events 1 reply {body.Length}\r\n{body}\r\n";
        for (int cut = 0; cut < text.Length; cut++)
        {
            Assert.Equal(Incomplete, Read(text[..cut], out int consumed, out _));
            Assert.Equal(0, consumed);
        }

        Assert.Equal(nameof(ServerFrameKind.Delivery), Read(text, out _, out string payload));
        Assert.Equal(body, payload);
    }

    [Fact]
    public void Server_pings_between_messages_are_read_in_order()
    {
        string message = $"MSG events 1 {Json.Length}\r\n{Json}\r\n";
        string stream = $"INFO {{}}\r\nPONG\r\n{message}PING\r\n{message}+OK\r\nPING\r\nPING\r\n{message}";

        List<(string Kind, string Payload)> messages = ReadAll(stream);

        Assert.Equal(
            ["Greeting", "Ack", "Delivery", "Ping", "Delivery", "Unknown", "Ping", "Ping", "Delivery"],
            messages.Select(m => m.Kind));
        Assert.All(messages.Where(m => m.Kind == "Delivery"), m => Assert.Equal(Json, m.Payload));
    }

    [Theory]
    [InlineData("MSG events 1 x\r\n")]
    [InlineData("MSG events 4\r\n")]
    [InlineData("MSG events 1 a b 4\r\n")]
    [InlineData("MSG events 1 -4\r\n")]
    [InlineData("MSG events 1 4\r\ntestXY")]
    [InlineData("HMSG events 1 9 4\r\n")]
    [InlineData("HELLO\r\n")]
    [InlineData("\r\n")]
    public void Malformed_operations_are_invalid(string text)
    {
        Assert.Equal(Malformed, Read(text, out _, out _));
    }

    [Fact]
    public void A_control_line_that_never_ends_is_invalid_not_awaited_forever()
    {
        Assert.Equal(Incomplete, Read("MSG " + new string('x', 1000), out _, out _));
        Assert.Equal(Malformed, Read("MSG " + new string('x', 70_000), out _, out _));
    }

    [Fact]
    public void A_publish_carries_the_stamped_delivery_json_the_Redis_publisher_sends()
    {
        Span<byte> payload = stackalloc byte[256];
        int length = TestMessage.WriteStampedDelivery(payload, new Janus.Protocol.ErlangTimestamp(1764, 81234, 5), "\"events\""u8);
        byte[] command = new byte[512];
        int written = NatsClientProtocol.WritePublish(command, "events"u8, payload[..length]);

        string json = "{\"timestamp\":[1764,81234,5],\"topic\":\"events\",\"event\":\"test_event\",\"message_id\":\"\",\"data\":\"test\"}";
        Assert.Equal($"PUB events {json.Length}\r\n{json}\r\n", Encoding.UTF8.GetString(command, 0, written));
    }
}
