using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Janus.Testing;

namespace Janus.Host.Tests;

/// <summary>
/// No secret (API key, read key, session token) reaches a log line at any level: janus run as a process with every
/// category at Trace, its keys used the right way (headers, the WebSocket subprotocol) and the wrong way (in URLs,
/// refused), its session tokens used to resume; then the whole output is searched.
/// </summary>
public sealed partial class SecretsInLogsTests
{
    private const string ApiKey = "api-key-5ecret-0123456789abcdef";
    private const string ReadKey = "read-key-5ecret-0123456789abcdef";
    private const string UnknownToken = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task At_Trace_no_key_or_session_token_is_logged()
    {
        await using JanusProcess janus = JanusProcess.Start(
            ["--bind", "127.0.0.1", "--port", "0", "--http-bind", "127.0.0.1", "--http-port", "0"],
            new Dictionary<string, string>
            {
                ["Logging__LogLevel__Default"] = "Trace",
                ["Logging__LogLevel__Microsoft"] = "Trace",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
                ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Trace",
                ["JANUS_SECURITY__APIKEYS__0"] = ApiKey,
                ["JANUS_SECURITY__READKEYS__0"] = ReadKey,
                ["JANUS_SECURITY__TRUSTEDNETWORKS"] = "10.0.0.0/8",
                ["JANUS_SECURITY__READACCESS"] = "KeyOnly",
            });
        Match tcp = await janus.WaitForOutputAsync(TcpListening());
        Match web = await janus.WaitForOutputAsync(HttpListening());
        var tcpEndPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(tcp.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var httpBase = new Uri($"http://127.0.0.1:{web.Groups[1].Value}/");
        var secrets = new List<string> { ApiKey, ReadKey, UnknownToken };

        using (var http = new HttpClient { BaseAddress = httpBase })
        {
            // The right way: headers.
            using var publish = new HttpRequestMessage(HttpMethod.Post, "/api/publish") { Content = new StringContent("""{"topic":"t","data":1}""", Encoding.UTF8, "application/json") };
            publish.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(publish)).StatusCode);
            using var stats = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
            stats.Headers.Add("X-Api-Key", ReadKey);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(stats)).StatusCode);
            using var metrics = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            metrics.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ReadKey);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(metrics)).StatusCode);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/topics");
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ReadKey + "x");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(wrong)).StatusCode);

            // The wrong way: in URLs. Refused, and scrubbed from the request log.
            foreach (string path in new[] { "/ws?key=" + ApiKey, "/?key=" + ApiKey, "/api/topics?token=" + ReadKey, "/api/stats?x=1&access_token=" + ReadKey })
            {
                Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
            }
        }

        // A browser's WebSocket: the key as a subprotocol; a session opened, dropped and resumed with its token.
        Uri ws = new($"ws://127.0.0.1:{web.Groups[1].Value}/ws");
        string wsToken;
        using (var socket = new ClientWebSocket())
        {
            socket.Options.AddSubProtocol("janus");
            socket.Options.AddSubProtocol("janus-key." + Convert.ToBase64String(Encoding.UTF8.GetBytes(ApiKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            await socket.ConnectAsync(ws, CancellationToken.None);
            wsToken = Token(await ReceiveAsync(socket));
            await SendAsync(socket, """{"action":"hello"}""");
            Assert.Contains("hello", await ReceiveAsync(socket), StringComparison.Ordinal);
            await SendAsync(socket, """{"action":"subscribe","data":"t"}""");
            await ReceiveAsync(socket);
            await SendAsync(socket, """{"action":"publish","topic":"t","event":"e","message_id":1,"data":"x"}""");
            await ReceiveAsync(socket);
            socket.Abort();
        }

        using (var socket = new ClientWebSocket())
        {
            await socket.ConnectAsync(ws, CancellationToken.None);
            secrets.Add(Token(await ReceiveAsync(socket)));
            await SendAsync(socket, $$$"""{"action":"resume","data":"{{{wsToken}}}","positions":{}}""");
            await ReceiveAsync(socket);
            await SendAsync(socket, $$$"""{"action":"resume","data":"{{{UnknownToken}}}","positions":{}}""");
            await ReceiveAsync(socket);
        }

        secrets.Add(wsToken);

        // TCP: a greeting token, and a resume with a token nobody holds.
        await using (RawTcpClient client = await RawTcpClient.ConnectAsync(tcpEndPoint))
        {
            secrets.Add(Token(await client.ReadMessageAsync()));
            await client.SendAsync($$$"""{"action":"resume","data":"{{{UnknownToken}}}","positions":{}}""" + "\0");
            await client.TryReadMessageBytesAsync(TimeSpan.FromSeconds(5));
        }

        janus.Terminate();
        await janus.WaitForExitAsync();
        string log = string.Join('\n', janus.Output.Concat(janus.Error));

        // The log is at Trace (the request lines are there, scrubbed), and nothing secret is in it.
        Assert.Contains("Request starting HTTP/1.1 GET http://127.0.0.1:", log, StringComparison.Ordinal);
        Assert.Contains("key=[redacted]", log, StringComparison.Ordinal);
        Assert.Contains("dbug:", log, StringComparison.Ordinal);
        Assert.Contains("trce:", log, StringComparison.Ordinal);
        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        }
    }

    private static string Token(string greeting) => GreetingToken().Match(greeting) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("no token in " + greeting);

    private static async Task SendAsync(ClientWebSocket socket, string text) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    [GeneratedRegex(@"janus-tcp://127\.0\.0\.1:(\d+)")]
    private static partial Regex TcpListening();

    [GeneratedRegex(@"http://127\.0\.0\.1:(\d+): WebSocket")]
    private static partial Regex HttpListening();

    [GeneratedRegex(@"""token"":""([0-9a-f]{32})""")]
    private static partial Regex GreetingToken();
}
