using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.WebSockets;

/// <summary>
/// The direct path (<c>WebSocketUpgradeMiddleware</c>): a plain upgrade of <c>/ws</c> is answered on the connection
/// itself, with no HTTP request kept, over either transport; anything else on the same port still reaches Kestrel's
/// HTTP pipeline, an upgrade included, and works as before.
/// </summary>
public sealed class DirectUpgradeTests
{
    private static Task<JanusTestServer> StartAsync(string transport = "Epoll") =>
        JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Http:Transport"] = transport });

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Sockets")]
    public async Task A_browser_upgrade_is_served_directly_and_speaks_Janus(string transport)
    {
        await using JanusTestServer server = await StartAsync(transport);
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using WsClient client = await WsClient.ConnectAsync(server, configure: o => o.AddSubProtocol("janus"));
        Assert.Equal("janus", client.Socket.SubProtocol);
        Assert.StartsWith("{\"timestamp\":[", client.Greeting, StringComparison.Ordinal);
        await client.SubscribeAsync("direct");

        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage published = await http.PostAsync(new Uri("/api/publish", UriKind.Relative), new StringContent("{\"topic\":\"direct\",\"data\":\"hi\"}", Encoding.UTF8, "application/json"));
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        Assert.Contains("\"hi\"", await client.ReceiveAsync(), StringComparison.Ordinal);

        Assert.Equal(1, metrics.WebSocketUpgrades(direct: true));
        Assert.Equal(0, metrics.WebSocketUpgrades(direct: false));
    }

    [Fact]
    public async Task Other_requests_on_the_same_connection_and_port_still_reach_HTTP()
    {
        await using JanusTestServer server = await StartAsync();
        IPEndPoint endPoint = server.HttpEndPoint!;

        // Two requests on one keep-alive connection: the first is left whole to Kestrel, which serves both.
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{endPoint.Port}\r\n\r\n"), SocketFlags.None);
        Assert.StartsWith("HTTP/1.1 200", await ReadResponseAsync(socket), StringComparison.Ordinal);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{endPoint.Port}\r\n\r\n"), SocketFlags.None);
        Assert.StartsWith("HTTP/1.1 200", await ReadResponseAsync(socket), StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/nothing-here", UriKind.Relative))).StatusCode);
        Assert.Equal(0, server.GetRequiredService<JanusMetrics>().WebSocketUpgrades(direct: true));
    }

    [Theory]
    [InlineData("/WS", "")]
    [InlineData("/ws", "X-Folded: one\r\n two\r\n")]
    public async Task An_upgrade_the_direct_path_does_not_take_is_upgraded_by_Kestrel_as_before(string path, string extraHeaders)
    {
        await using JanusTestServer server = await StartAsync();
        IPEndPoint endPoint = server.HttpEndPoint!;
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{endPoint.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        string head = await ReadResponseAsync(socket);
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        if (head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            // Kestrel's routing matches /WS as /ws: the endpoint upgrades it, on the HTTP path. The greeting comes after
            // the count (the 101 may come before it).
            Assert.Contains("Sec-WebSocket-Accept: " + WebSocketHandshake.ComputeAccept(key), head, StringComparison.Ordinal);
            using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
            Assert.True(await socket.ReceiveAsync(new byte[64], SocketFlags.None, timeout.Token) > 0);
            Assert.Equal(1, metrics.WebSocketUpgrades(direct: false));
        }
        else
        {
            // Kestrel refuses a folded header: its answer, as before the direct path existed.
            Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
            Assert.Equal(0, metrics.WebSocketUpgrades(direct: false));
        }

        Assert.Equal(0, metrics.WebSocketUpgrades(direct: true));
        Assert.Equal(path == "/WS", head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_head_that_arrives_in_pieces_is_still_served_directly()
    {
        await using JanusTestServer server = await StartAsync();
        IPEndPoint endPoint = server.HttpEndPoint!;
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        byte[] request = Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{endPoint.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n");
        foreach (byte[] piece in request.Chunk(7))
        {
            await socket.SendAsync(piece, SocketFlags.None);
        }

        string head = await ReadResponseAsync(socket);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: " + WebSocketHandshake.ComputeAccept(key), head, StringComparison.Ordinal);
        Assert.Equal(1, server.GetRequiredService<JanusMetrics>().WebSocketUpgrades(direct: true));
    }

    /// <summary>One response head, and its body (Content-Length or chunked) read past.</summary>
    private static async Task<string> ReadResponseAsync(Socket socket)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(WsClient.DefaultTimeout);
        while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 0)
            {
                return text.ToString();
            }

            text.Append((char)one[0]);
        }

        string head = text.ToString();
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new StringBuilder();
            while (!body.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 0)
                {
                    break;
                }

                body.Append((char)one[0]);
            }

            return head;
        }

        int at = head.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
        if (at >= 0)
        {
            int length = int.Parse(head.AsSpan(at + 16, head.IndexOf('\r', at) - at - 16), System.Globalization.CultureInfo.InvariantCulture);
            var body = new byte[length];
            int read = 0;
            while (read < length)
            {
                read += await socket.ReceiveAsync(body.AsMemory(read), SocketFlags.None, timeout.Token);
            }
        }

        return head;
    }
}
