using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Janus.Bot.Cli;
using Janus.Bot.Protocols;
using Janus.Protocol;
using Janus.Protocol.Client;
using Janus.Testing;

namespace Janus.Bot.Tests;

/// <summary>
/// <c>--protocol websocket</c>: the bot's raw RFC 6455 client: the upgrade, masked client frames, the server's
/// unmasked frames cut and classified, refusals; and a run against a real Janus over <c>/ws</c>.
/// </summary>
public sealed partial class WebSocketProtocolTests
{
    private static readonly WebSocketClientProtocol Protocol = WebSocketClientProtocol.Instance;

    /// <summary>A server frame: unmasked, final, with the length in the shortest form.</summary>
    private static byte[] ServerFrame(byte opcode, byte[] payload)
    {
        byte[] frame = new byte[WebSocketFraming.HeaderLength(payload.Length) + payload.Length];
        int header = WebSocketFraming.WriteHeader(frame, opcode, payload.Length);
        payload.CopyTo(frame, header);
        return frame;
    }

    private static (OperationStatus Status, int Consumed, ServerFrameKind Kind, string Payload) Read(byte[] data)
    {
        OperationStatus status = Protocol.Read(data, out int consumed, out ServerFrameKind kind, out int start, out int length);
        return (status, consumed, kind, Encoding.UTF8.GetString(data, start, length));
    }

    /// <summary>Unmasks a client frame as a server would, checking that it is masked, final text.</summary>
    private static string ClientText(byte[] frame)
    {
        Assert.True(WebSocketFrameHeader.TryRead(frame, out WebSocketFrameHeader header));
        Assert.True(header.Masked);
        Assert.True(header.Fin);
        Assert.Equal(WebSocketOpcode.Text, header.Opcode);
        Assert.Equal(frame.Length, header.Length + (int)header.PayloadLength);
        byte[] payload = new byte[(int)header.PayloadLength];
        WebSocketMask.Unmask(frame.AsSpan(header.Length), payload, header.MaskKey, 0);
        return Encoding.UTF8.GetString(payload);
    }

    [Fact]
    public void The_hello_is_an_upgrade_request_for_ws()
    {
        string request = Encoding.ASCII.GetString(Protocol.Hello("events"));
        Assert.StartsWith("GET /ws HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nUpgrade: websocket\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", request, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", request, StringComparison.Ordinal);
        Assert.True(Protocol.WaitsForGreeting);
    }

    [Fact]
    public void Client_frames_are_masked_text_with_the_JSON_command_and_no_NUL()
    {
        Assert.Equal("{\"action\":\"subscribe\",\"data\":\"events\"}", ClientText(Protocol.Subscribe("events")));
        Assert.Equal("PONG", ClientText(Protocol.Pong));

        // Past 125 bytes the length takes the 16-bit form.
        string longTopic = new('t', 200);
        Assert.Equal($"{{\"action\":\"subscribe\",\"data\":\"{longTopic}\"}}", ClientText(Protocol.Subscribe(longTopic)));
    }

    [Fact]
    public void The_101_and_the_greeting_in_one_read_are_cut_one_after_the_other()
    {
        byte[] head = Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x\r\n\r\n");
        byte[] greeting = ServerFrame(WebSocketOpcode.Text, "{\"timestamp\":[1,2,3],\"token\":\"abc\"}"u8.ToArray());
        byte[] data = [.. head, .. greeting];

        (OperationStatus status, int consumed, ServerFrameKind kind, _) = Read(data);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(head.Length, consumed);
        Assert.Equal(ServerFrameKind.Empty, kind);

        (status, consumed, kind, string payload) = Read(data[head.Length..]);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(greeting.Length, consumed);
        Assert.Equal(ServerFrameKind.Greeting, kind);
        Assert.Equal("{\"timestamp\":[1,2,3],\"token\":\"abc\"}", payload);
    }

    [Theory]
    [InlineData("ACK", ServerFrameKind.Ack)]
    [InlineData("PING", ServerFrameKind.Ping)]
    [InlineData("{\"timestamp\":[1,2,3],\"topic\":\"events\",\"data\":\"x\"}", ServerFrameKind.Delivery)]
    public void Text_frames_are_classified_as_on_TCP(string text, ServerFrameKind expected)
    {
        (OperationStatus status, _, ServerFrameKind kind, string payload) = Read(ServerFrame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text)));
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(expected, kind);
        Assert.Equal(text, payload);
    }

    [Fact]
    public void A_long_frame_is_read_once_whole_and_not_before()
    {
        string text = "{\"timestamp\":[1,2,3],\"topic\":\"events\",\"data\":\"" + new string('x', 70_000) + "\"}";
        byte[] frame = ServerFrame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text));
        Assert.Equal(10, frame.Length - Encoding.UTF8.GetByteCount(text));
        foreach (int cut in new[] { 1, 2, 9, frame.Length - 1 })
        {
            Assert.Equal(OperationStatus.NeedMoreData, Read(frame[..cut]).Status);
        }

        (OperationStatus status, int consumed, ServerFrameKind kind, string payload) = Read(frame);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(frame.Length, consumed);
        Assert.Equal(ServerFrameKind.Delivery, kind);
        Assert.Equal(text, payload);
    }

    [Fact]
    public void A_refused_upgrade_and_a_close_with_an_error_are_errors()
    {
        (OperationStatus status, _, ServerFrameKind kind, string payload) = Read(Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\r\n{\"error\":\"too_many_connections\"}"));
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(ServerFrameKind.Error, kind);
        Assert.Equal("HTTP/1.1 503 Service Unavailable", payload);
        Assert.Equal(OperationStatus.NeedMoreData, Read(Encoding.ASCII.GetBytes("HTTP/1.1 101 Swi")).Status);

        byte[] close = new byte[2 + "slow_consumer".Length];
        BinaryPrimitives.WriteUInt16BigEndian(close, WebSocketCloseCodes.ForError(ProtocolError.SlowConsumer));
        "slow_consumer"u8.CopyTo(close.AsSpan(2));
        (status, _, kind, payload) = Read(ServerFrame(WebSocketOpcode.Close, close));
        Assert.Equal(ServerFrameKind.Error, kind);
        Assert.Equal("slow_consumer", payload);

        // A plain close (a code and no reason) is an ordinary end.
        Assert.Equal(ServerFrameKind.Empty, Read(ServerFrame(WebSocketOpcode.Close, [0x03, 0xE8])).Kind);
    }

    [Fact]
    public void Masked_or_binary_server_frames_are_malformed()
    {
        byte[] masked = ServerFrame(WebSocketOpcode.Text, "ACK"u8.ToArray());
        masked[1] |= 0x80;
        Assert.Equal(OperationStatus.InvalidData, Read([.. masked, 0, 0, 0, 0]).Status);
        Assert.Equal(OperationStatus.InvalidData, Read(ServerFrame(WebSocketOpcode.Binary, [1, 2, 3])).Status);
    }

    [Fact]
    public async Task Three_hundred_clients_over_WebSocket_are_all_good_against_Janus()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new BotOptions
        {
            Protocol = BotProtocol.WebSocket,
            Clients = 300,
            Workers = 2,
            Hosts = [server.HttpEndPoint!.ToString()],
            PublishTo = server.TcpEndPoint!.ToString(),
            Quiet = true,
        };

        var output = new StringWriter { NewLine = "\n" };
        var diagnostics = new StringWriter();
        int exitCode = await BotCommandLine.RunTestAsync(options, output, diagnostics, CancellationToken.None);

        string text = output.ToString();
        Assert.True(exitCode == 0, text + diagnostics);
        Match header = HeaderLine().Match(text);
        Assert.True(header.Success, text);
        Assert.Equal("300", header.Groups["good"].Value);
        Assert.Equal("0", header.Groups["bad"].Value);
        Assert.Contains("lost: 0,", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"good: (?<good>\d+), bad: (?<bad>\d+)")]
    private static partial Regex HeaderLine();
}
