using System.Text.Json;
using Janus.Server.Sessions;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.Sessions;

/// <summary>The opt-in session protocol over WebSocket, and a session that moves between transports (docs/sessions.md).</summary>
public sealed class WebSocketSessionTests
{
    [Fact]
    public async Task A_session_parked_by_a_dropped_TCP_connection_is_resumed_over_WebSocket_with_what_it_missed()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        RawTcpClient tcp = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);
        string token = JsonDocument.Parse(await tcp.ReadMessageAsync()).RootElement.GetProperty("token").GetString()!;
        await tcp.SendAsync("{\"action\":\"hello\"}\0");
        Assert.StartsWith("{\"hello\":", await tcp.ReadMessageAsync(), StringComparison.Ordinal);
        await tcp.SendAsync("{\"action\":\"subscribe\",\"data\":\"move\"}\0");
        JsonElement subscribed = JsonDocument.Parse(await tcp.ReadMessageAsync()).RootElement;
        string epoch = subscribed.GetProperty("epoch").GetString()!;
        tcp.Socket.Close(0);
        await WaitUntilAsync(() => sessions.ParkedCount == 1);

        using (var http = new HttpClient { BaseAddress = server.HttpBaseAddress })
        {
            for (int n = 1; n <= 3; n++)
            {
                using HttpResponseMessage response = await http.PostAsync(new Uri("/api/publish", UriKind.Relative), new StringContent($"{{\"topic\":\"move\",\"message_id\":{n}}}", System.Text.Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
            }
        }

        await using WsClient ws = await WsClient.ConnectAsync(server);
        await ws.SendAsync($"{{\"action\":\"resume\",\"data\":\"{token}\",\"positions\":{{\"move\":{{\"offset\":0,\"epoch\":\"{epoch}\"}}}}}}");
        JsonElement answer = JsonDocument.Parse(await ws.ReceiveAsync()).RootElement;
        Assert.True(answer.GetProperty("resumed").GetBoolean(), answer.ToString());
        Assert.True(answer.GetProperty("topics").GetProperty("move").GetProperty("recovered").GetBoolean());
        for (int n = 1; n <= 3; n++)
        {
            JsonElement delivery = JsonDocument.Parse(await ws.ReceiveAsync()).RootElement;
            Assert.Equal(n, delivery.GetProperty("message_id").GetInt64());
            Assert.Equal(n, delivery.GetProperty("offset").GetInt64());
        }

        // WebSocket's acknowledgement policy is kept for the other commands: unsubscribe is ACKed.
        await ws.SendAsync("{\"action\":\"unsubscribe\",\"data\":\"move\"}");
        Assert.Equal("ACK", await ws.ReceiveAsync());
        Assert.Equal(0, sessions.ParkedCount);
        Assert.True(sessions.TryGet(token, out _));
        await tcp.DisposeAsync();
    }

    [Fact]
    public async Task Hello_and_a_positioned_subscribe_are_answered_instead_of_ACK_over_WebSocket()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using WsClient ws = await WsClient.ConnectAsync(server);
        await ws.SendAsync("{\"action\":\"hello\"}");
        JsonElement hello = JsonDocument.Parse(await ws.ReceiveAsync()).RootElement.GetProperty("hello");
        Assert.Equal(1, hello.GetProperty("version").GetInt32());
        Assert.True(hello.GetProperty("resume").GetBoolean());
        Assert.Equal(60000, hello.GetProperty("grace_ms").GetInt64());
        await ws.SendAsync("{\"action\":\"subscribe\",\"data\":\"w\"}");
        JsonElement answer = JsonDocument.Parse(await ws.ReceiveAsync()).RootElement;
        Assert.Equal("w", answer.GetProperty("subscribed").GetString());
        Assert.Equal(0, answer.GetProperty("offset").GetInt64());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // Polls a registry count, which has no event to await; bounded.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(10);
        }
    }
}
