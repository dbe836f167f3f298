using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Janus.Server.Metrics;
using Janus.Testing;
using Janus.Web.Tests.Edge;
using Janus.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Janus.Web.Tests.Security;

/// <summary>
/// Subscribe tokens over WebSocket (in <c>hello</c>, never in the URL), publish keys scoped to topic patterns over
/// WebSocket and HTTP, and tokens kept out of the logs (docs/security.md#authorization).
/// </summary>
public sealed class AuthorizationWebTests : IDisposable
{
    private const string ScopedKey = "scoped-key-0123456789abcdef";
    private const string PlainKey = "plain-key-0123456789abcdef";

    private readonly TestTokens _tokens = TestTokens.Hs256();

    public void Dispose() => _tokens.Dispose();

    private Task<JanusTestServer> StartAsync(Action<IServiceCollection>? services = null)
    {
        Dictionary<string, string?> settings = _tokens.Settings("private:*");
        settings["Janus:Security:TrustedNetworks"] = "";
        settings["Janus:Security:ApiKeys:0"] = PlainKey;
        settings["Janus:Security:PublishKeys:0:Key"] = ScopedKey;
        settings["Janus:Security:PublishKeys:0:Topics:0"] = "news:*";
        settings["Janus:Security:PublishKeys:0:Topics:1"] = "weather";
        return JanusTestServer.StartAsync(settings, services);
    }

    private string Token(params string[] topics) => _tokens.Create("alice", topics, DateTimeOffset.UtcNow.AddMinutes(5));

    [Fact]
    public async Task A_WebSocket_client_presents_its_token_in_hello_and_an_anonymous_one_is_refused_but_stays_connected()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient holder = await WsClient.ConnectAsync(server);
        await holder.SendAsync("{\"action\":\"hello\",\"token\":\"" + Token("private:a") + "\"}");
        Assert.Contains("\"sub\":\"alice\"", await holder.ReceiveAsync(), StringComparison.Ordinal);
        await holder.SendAsync("{\"action\":\"subscribe\",\"data\":\"private:a\"}");
        Assert.Contains("\"subscribed\":\"private:a\"", await holder.ReceiveAsync(), StringComparison.Ordinal);

        await using WsClient anonymous = await WsClient.ConnectAsync(server);
        await anonymous.SendAsync("{\"action\":\"subscribe\",\"data\":\"private:a\"}");
        using (JsonDocument refusal = JsonDocument.Parse(await anonymous.ReceiveAsync()))
        {
            Assert.Equal("unauthorized", refusal.RootElement.GetProperty("error").GetString());
            Assert.Equal("private:a", refusal.RootElement.GetProperty("topic").GetString());
        }

        await anonymous.SubscribeAsync("news:1");
        await PublishAsync(server, PlainKey, """{"topic":"private:a","message_id":1}""");
        await PublishAsync(server, PlainKey, """{"topic":"news:1","message_id":2}""");
        Assert.Contains("\"message_id\":1", await holder.ReceiveSkippingPingsAsync(), StringComparison.Ordinal);
        Assert.Contains("\"message_id\":2", await anonymous.ReceiveSkippingPingsAsync(), StringComparison.Ordinal);
        Assert.Equal(1, server.GetRequiredService<JanusMetrics>().AuthRefusals(AuthRefusal.Unauthorized));
    }

    [Fact]
    public async Task A_token_in_the_URL_grants_nothing()
    {
        // The upgrade itself is refused (400 secret_in_url, docs/security.md): a URL ends up in logs and histories.
        await using JanusTestServer server = await StartAsync();
        WebSocketException refused = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(server, "token=" + Token("private:a")));
        Assert.Contains("400", refused.Message, StringComparison.Ordinal);

        // And a connection that never sent it in hello has no grant.
        await using WsClient client = await WsClient.ConnectAsync(server);
        await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"private:a\"}");
        Assert.Contains("\"error\":\"unauthorized\"", await client.ReceiveAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WebSocket_with_a_scoped_key_publishes_inside_its_topics_and_is_closed_with_publish_forbidden_outside()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("news:1");
        await using WsClient publisher = await WsClient.ConnectAsync(server, configure: options => options.AddSubProtocol(EdgeHttp.KeyProtocol(ScopedKey)));

        await publisher.SendAsync("""{"action":"publish","topic":"news:1","message_id":1}""");
        Assert.Equal("ACK", await publisher.ReceiveAsync());
        Assert.Contains("\"message_id\":1", await subscriber.ReceiveSkippingPingsAsync(), StringComparison.Ordinal);

        await publisher.SendAsync("""{"action":"publish","topic":"sports","message_id":2}""");
        (List<string> messages, WebSocketCloseStatus? status, _) = await publisher.ReceiveUntilCloseAsync();
        Assert.Contains("\"error\":\"publish_forbidden\"", Assert.Single(messages), StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Equal(1, server.GetRequiredService<JanusMetrics>().AuthRefusals(AuthRefusal.PublishScope));
    }

    [Fact]
    public async Task An_HTTP_publish_with_a_scoped_key_is_refused_whole_with_403_when_one_topic_is_outside_its_scope()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("weather");

        (HttpStatusCode refused, string body) = await PostAsync(server, ScopedKey, """[{"topic":"weather","message_id":1},{"topic":"sports","message_id":2}]""");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("\"publish_forbidden\"", body, StringComparison.Ordinal);

        (HttpStatusCode ok, _) = await PostAsync(server, ScopedKey, """{"topic":"weather","message_id":3}""");
        Assert.Equal(HttpStatusCode.OK, ok);

        // Nothing of the refused request was published: the first message the subscriber sees is the later one.
        Assert.Contains("\"message_id\":3", await subscriber.ReceiveSkippingPingsAsync(), StringComparison.Ordinal);

        // A plain key still publishes anywhere.
        (HttpStatusCode plain, _) = await PostAsync(server, PlainKey, """{"topic":"sports","message_id":4}""");
        Assert.Equal(HttpStatusCode.OK, plain);
    }

    [Fact]
    public async Task Tokens_never_reach_a_log_line_at_any_level()
    {
        var capture = new CapturingLoggerProvider();
        await using JanusTestServer server = await StartAsync(services =>
        {
            services.AddSingleton<ILoggerProvider>(capture);
            services.Configure<LoggerFilterOptions>(options =>
            {
                options.Rules.Clear();
                options.MinLevel = LogLevel.Trace;
            });
        });

        string valid = Token("private:a");
        await using (WsClient client = await WsClient.ConnectAsync(server))
        {
            await client.SendAsync("{\"action\":\"hello\",\"token\":\"" + valid + "\"}");
            Assert.Contains("\"hello\"", await client.ReceiveAsync(), StringComparison.Ordinal);
        }

        using TestTokens other = TestTokens.Hs256();
        string forged = other.Create("mallory", ["private:*"], DateTimeOffset.UtcNow.AddMinutes(5));
        await using (WsClient client = await WsClient.ConnectAsync(server))
        {
            await client.SendAsync("{\"action\":\"hello\",\"token\":\"" + forged + "\"}");
            (List<string> messages, _, _) = await client.ReceiveUntilCloseAsync();
            Assert.Contains("\"error\":\"invalid_token\"", Assert.Single(messages), StringComparison.Ordinal);
        }

        Assert.NotEmpty(capture.Lines);
        foreach (string line in capture.Lines)
        {
            // The signature part is what makes a token usable; neither it nor the whole token may appear.
            Assert.DoesNotContain(valid.Split('.')[2], line, StringComparison.Ordinal);
            Assert.DoesNotContain(forged.Split('.')[2], line, StringComparison.Ordinal);
        }
    }

    private static async Task PublishAsync(JanusTestServer server, string key, string body)
    {
        (HttpStatusCode status, string text) = await PostAsync(server, key, body);
        Assert.True(status == HttpStatusCode.OK, text);
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(JanusTestServer server, string key, string body)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/publish", UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using HttpResponseMessage response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                provider.Lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
