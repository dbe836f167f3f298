using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Janus.Testing;

namespace Janus.Web.Tests.Edge;

/// <summary>Requests as a proxy, a browser or an attacker would send them: any header, any Host.</summary>
internal static class EdgeHttp
{
    public const string PublishBody = """{"topic":"t","event":"e","message_id":1,"data":"hi"}""";

    /// <summary>POST /api/publish with the given headers; returns the status and the error code (null on success).</summary>
    public static async Task<(HttpStatusCode Status, string? Code)> PublishAsync(JanusTestServer server, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/publish") { Content = new StringContent(PublishBody, Encoding.UTF8, "application/json") };
        Add(request, headers);
        using HttpResponseMessage response = await http.SendAsync(request);
        return (response.StatusCode, await ErrorCodeAsync(response));
    }

    /// <summary>GET <paramref name="path"/> with the given headers.</summary>
    public static async Task<(HttpStatusCode Status, string? Code)> GetAsync(JanusTestServer server, string path, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        Add(request, headers);
        using HttpResponseMessage response = await http.SendAsync(request);
        return (response.StatusCode, await ErrorCodeAsync(response));
    }

    /// <summary>
    /// A WebSocket upgrade written by hand (any Host, any Origin); returns the status line and head, and, on 101, the
    /// socket, ready for frames.
    /// </summary>
    public static async Task<(string Head, Socket Socket)> UpgradeAsync(JanusTestServer server, string host, string extraHeaders)
    {
        IPEndPoint endPoint = server.HttpEndPoint!;
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        string request = $"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return (head.ToString(), socket);
    }

    /// <summary>Sends one masked text frame.</summary>
    public static async Task SendTextAsync(Socket socket, string text) =>
        await socket.SendAsync(Support.RawWebSocket.BuildFrame(Janus.Protocol.WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text)), SocketFlags.None);

    /// <summary>Reads one server frame (unmasked, as servers send them): its text, or "close" for a close frame.</summary>
    public static async Task<string> ReceiveTextAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        byte[] header = await ReadExactlyAsync(socket, 2, timeout.Token);
        int length = header[1] & 0x7F;
        if (length == 126)
        {
            byte[] extended = await ReadExactlyAsync(socket, 2, timeout.Token);
            length = (extended[0] << 8) | extended[1];
        }

        byte[] payload = await ReadExactlyAsync(socket, length, timeout.Token);
        return (header[0] & 0x0F) == Janus.Protocol.WebSocketOpcode.Close ? "close" : Encoding.UTF8.GetString(payload);
    }

    public static string KeyProtocol(string key) => "janus-key." + Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                throw new IOException("the server closed the connection");
            }

            read += n;
        }

        return buffer;
    }

    private static void Add(HttpRequestMessage request, (string Name, string Value)[] headers)
    {
        foreach ((string name, string value) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        string body = await response.Content.ReadAsStringAsync();
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out JsonElement error) ? error.GetString() : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
