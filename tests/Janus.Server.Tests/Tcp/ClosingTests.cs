using System.Net.Sockets;
using System.Text;
using Janus.Protocol;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

/// <summary>
/// How the server ends a TCP connection: the client reads everything sent before the close, the error frame last,
/// then the end of the stream, never a reset.
/// </summary>
public sealed class ClosingTests
{
    [Fact]
    public async Task Subscribes_pipelined_past_the_limit_get_every_ACK_then_the_error_frame_then_an_orderly_end_not_a_reset()
    {
        // Regression: 1,100 subscribes in one write against the limit of 1,000 got 463 ACKs and a reset. The server
        // stopped reading at the 1,001st and closed with the last 99 unread, so the kernel reset the connection and
        // dropped the ACKs and the error frame it had not delivered yet.
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        var subscribes = new StringBuilder("<regular-socket/>\0");
        for (int i = 0; i < 1100; i++)
        {
            subscribes.Append(Frames.Subscribe("topic-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        await client.SendAsync(subscribes.ToString());

        string[] messages = SplitMessages(await ReadToOrderlyEndAsync(client.Socket));

        Assert.Equal(1001, messages.Length);
        Assert.All(messages.Take(1000), m => Assert.Equal("ACK", m));
        TcpClientExtensions.AssertErrorFrame(messages[^1], ProtocolError.TooManySubscriptions);
    }

    [Fact]
    public async Task A_client_that_keeps_sending_after_its_error_still_reads_the_error_frame()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync("garbage\0");
        for (int i = 0; i < 20; i++)
        {
            // Sent after the server's close began: the server drops it rather than resetting.
            await client.SendAsync(Frames.Subscribe("late"));
        }

        string[] messages = SplitMessages(await ReadToOrderlyEndAsync(client.Socket));

        TcpClientExtensions.AssertErrorFrame(Assert.Single(messages), ProtocolError.UnknownFrame);
    }

    [Fact]
    public async Task Invalid_UTF8_on_TCP_is_explained_in_the_words_of_the_TCP_wire_not_as_a_WebSocket_message()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync([.. Frames.Bytes("{\"action\":\"subscribe\",\"data\":\""), 0xFF, 0xC3, .. Frames.Bytes("\"}\0")]);

        string error = Assert.Single(SplitMessages(await ReadToOrderlyEndAsync(client.Socket)));
        TcpClientExtensions.AssertErrorFrame(error, ProtocolError.InvalidUtf8);
        using var json = System.Text.Json.JsonDocument.Parse(error);
        string reason = json.RootElement.GetProperty("reason").GetString()!;
        Assert.Equal(ProtocolErrors.Reason(ProtocolError.InvalidUtf8, WireTransport.Tcp), reason);
        Assert.DoesNotContain("WebSocket", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_shutdown_an_opted_in_client_reads_server_shutdown_after_its_messages_and_a_legacy_client_only_the_end()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using SessionClient session = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        await session.SubscribeAsync("news");
        await using RawTcpClient legacy = await server.ConnectTcpAsync();
        await legacy.SubscribeAsync("news");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync("PUBLISH\0" + Frames.PublishBody("news", 1));
        Assert.Equal("1", (await legacy.ReadDeliveryAsync()).MessageId);
        Assert.NotNull(await session.ReadAsync());

        Task stopped = server.StopAsync();

        // The original server closed without a word: a client that never said hello still gets only the end.
        Assert.Empty(await ReadToOrderlyEndAsync(legacy.Socket));
        string[] messages = SplitMessages(await ReadToOrderlyEndAsync(session.Connection.Socket));
        TcpClientExtensions.AssertErrorFrame(Assert.Single(messages), ProtocolError.ServerShutdown);
        await stopped.WaitAsync(RawTcpClient.DefaultTimeout);
    }

    /// <summary>Reads until the server's end of the stream; a reset fails the test with what arrived before it.</summary>
    internal static async Task<byte[]> ReadToOrderlyEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(RawTcpClient.DefaultTimeout);
        var all = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException ex)
            {
                string received = Encoding.UTF8.GetString(all.ToArray());
                Assert.Fail($"{ex.SocketErrorCode} after {received.Count(c => c == '\u0001')} messages ({all.Length} bytes), the last: {received[Math.Max(0, received.Length - 80)..]}");
                throw;
            }

            if (read == 0)
            {
                return all.ToArray();
            }

            all.Write(buffer, 0, read);
        }
    }

    internal static string[] SplitMessages(byte[] bytes)
    {
        Assert.True(bytes.Length > 0 && bytes[^1] == 0x01, "the last message must be complete");
        return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1).Split('\u0001');
    }
}
