using System.Net;
using System.Net.Sockets;
using System.Text;
using Janus.Client.Tests.Support;

namespace Janus.Client.Tests;

/// <summary>
/// A server without sessions (the 2009 original, or Janus before them) refuses <c>hello</c>. The real server always
/// offers sessions, so this one case is played by a scripted server on a real socket, saying what such a server says.
/// </summary>
public sealed class SessionFallbackTests
{
    [Fact]
    public async Task A_server_that_refuses_hello_gets_the_original_protocol_on_a_second_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task script = Task.Run(async () =>
        {
            // First connection: greeting, then hello is refused as an unknown action and the connection closed.
            using (Socket first = await listener.AcceptSocketAsync())
            {
                await SendAsync(first, "{\"timestamp\":[1,2,3],\"token\":\"0123456789abcdef0123456789abcdef\"}");
                string hello = await ReceiveFrameAsync(first, skip: "<regular-socket/>");
                Assert.Equal("{\"action\":\"hello\"}", hello);
                await SendAsync(first, "{\"error\":\"unknown_action\",\"reason\":\"the action is not one of subscribe, unsubscribe, publish\"}");
                first.Shutdown(SocketShutdown.Both);
            }

            // Second connection: the original protocol, no hello.
            using Socket second = await listener.AcceptSocketAsync();
            await SendAsync(second, "{\"timestamp\":[1,2,3],\"token\":\"fedcba9876543210fedcba9876543210\"}");
            Assert.Equal("{\"action\":\"subscribe\",\"data\":\"news\"}", await ReceiveFrameAsync(second, skip: "<regular-socket/>"));
            await SendAsync(second, "ACK");
            await SendAsync(second, "{\"timestamp\":[1795,613597,44799],\"topic\":\"news\",\"event\":\"e\",\"message_id\":\"1\",\"data\":null}");
            await ReceiveFrameAsync(second, skip: null);
        });

        await using JanusClient client = await JanusClient.ConnectAsync((IPEndPoint)listener.LocalEndpoint).Within();
        Assert.False(client.SessionsEnabled);
        Assert.Equal("fedcba9876543210fedcba9876543210", client.Token);
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();
        JanusMessage message = await news.ReadMessageAsync().AsTask().Within();
        Assert.Equal(("1", null), (message.MessageId, message.Position));
        await client.DisposeAsync();
        await script.WaitAsync(TestTimeouts.Await);
    }

    private static async Task SendAsync(Socket socket, string message) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(message + "\u0001"), SocketFlags.None);

    /// <summary>The next NUL-terminated frame that is not <paramref name="skip"/>; empty at the end of the stream.</summary>
    private static async Task<string> ReceiveFrameAsync(Socket socket, string? skip)
    {
        var frame = new List<byte>();
        byte[] one = new byte[1];
        while (true)
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None) == 0)
            {
                return string.Empty;
            }

            if (one[0] != 0)
            {
                frame.Add(one[0]);
                continue;
            }

            string text = Encoding.UTF8.GetString([.. frame]);
            frame.Clear();
            if (text != skip)
            {
                return text;
            }
        }
    }
}
