using System.Net.Http.Json;
using System.Text.Json;
using Janus.Dashboard.Tests.Support;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Janus.Dashboard.Tests.JanusJs;

/// <summary>
/// janus.js in a real browser against a real server: ACKs matched first in first out, deliveries, PING/PONG, server
/// errors and close codes as events, reconnect with backoff and re-subscribe. The page is a bare one the test server
/// also serves (so the WebSocket is same-origin, as for an application page served next to Janus) that loads
/// <c>/janus.js</c> as a classic script.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class JanusJsTests
{
    /// <summary>Records everything a client reports into window.log, and every delivery into window.received.</summary>
    private const string Harness = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>janus.js test</title><link rel="icon" href="data:,"><script src="/janus.js"></script></head>
        <body><script>
          window.log = [];
          window.received = [];
          window.track = (client) => {
            for (const type of ["state", "open", "resumed", "resubscribed", "error", "close", "ping"]) {
              client.on(type, (detail) => window.log.push({ type, detail }));
            }
            return client;
          };
          window.count = (type) => window.log.filter((e) => e.type === type).length;
          window.last = (type) => window.log.filter((e) => e.type === type).at(-1)?.detail ?? null;
        </script></body></html>
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly BrowserFixture _browser;
    private readonly ITestOutputHelper _output;

    public JanusJsTests(BrowserFixture browser, ITestOutputHelper output)
    {
        _browser = browser;
        _output = output;
    }

    private const string HarnessPath = "/janus-js-test.html";

    /// <summary>Starts a server that also serves the test page.</summary>
    private static Task<JanusTestServer> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null) =>
        JanusTestServer.StartAsync(settings, configureServices, static app => app.MapGet(HarnessPath, static () => Results.Content(Harness, "text/html; charset=utf-8")));

    private static async Task<IPage> OpenHarnessAsync(BrowserPage browserPage, Uri baseAddress)
    {
        IPage page = browserPage.Page;
        await page.GotoAsync(new Uri(baseAddress, HarnessPath).ToString());
        Assert.True(await EvalAsync<bool>(page, "() => typeof Janus === 'object' && typeof Janus.Client === 'function'"));
        return page;
    }

    private static async Task WaitForAsync(IPage page, string condition)
    {
        IJSHandle handle;
        try
        {
            handle = await page.WaitForFunctionAsync(condition, null, new PageWaitForFunctionOptions { Timeout = (float)BrowserFixture.Timeout.TotalMilliseconds });
        }
        catch (TimeoutException)
        {
            string log = await page.EvaluateAsync<string>("() => JSON.stringify(window.log ?? null)").WaitAsync(BrowserFixture.Timeout);
            throw new TimeoutException($"The page did not meet {condition} within {BrowserFixture.Timeout}; its event log: {log}");
        }

        await handle.DisposeAsync();
    }

    /// <summary>Evaluates in the page; a promise that never settles fails the test instead of hanging it.</summary>
    private static async Task<T> EvalAsync<T>(IPage page, string script)
    {
        try
        {
            return await page.EvaluateAsync<T>(script).WaitAsync(BrowserFixture.Timeout);
        }
        catch (TimeoutException)
        {
            string log = await page.EvaluateAsync<string>("() => JSON.stringify(window.log ?? null)").WaitAsync(BrowserFixture.Timeout);
            throw new TimeoutException($"The page did not finish within {BrowserFixture.Timeout}: {script}\nits event log: {log}");
        }
    }

    private static async Task EvalAsync(IPage page, string script) => _ = await EvalAsync<JsonElement?>(page, script);

    private static string[] Strings(JsonElement element) => element.Deserialize<string[]>(Json) ?? [];

    private static async Task PublishOverHttpAsync(Uri baseAddress, string topic, object data)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/api/publish", UriKind.Relative), new { topic, @event = "e", data });
        response.EnsureSuccessStatusCode();
    }

    private static async Task<long> BytesReceivedAsync(JanusTestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using JsonDocument stats = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/stats", UriKind.Relative)));
        return stats.RootElement.GetProperty("bytes").GetProperty("received").GetInt64();
    }

    private static List<ClientConnection> WebSocketConnections(JanusTestServer server)
    {
        var connections = new List<ClientConnection>();
        foreach (ClientConnection connection in server.GetRequiredService<ConnectionRegistry>().Connections)
        {
            if (connection.Kind == TransportKind.WebSocket)
            {
                connections.Add(connection);
            }
        }

        return connections;
    }

    /// <summary>Opted in (the default), subscribe is answered by a "subscribed" frame and the rest by ACK, in one queue.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Acks_settle_commands_first_in_first_out_and_each_means_the_command_was_carried_out(bool resume)
    {
        await using JanusTestServer server = await StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);

        // Six commands sent back to back, none awaited before the next; ACKs and deliveries logged as they come.
        JsonElement result = await EvalAsync<JsonElement>(page, $$"""
            async () => {
              const client = track(new Janus.Client({ resume: {{(resume ? "true" : "false")}} }));
              await client.connect();
              const acks = [], all = [];
              const acked = (what) => () => { acks.push(what); all.push(what); };
              await Promise.all([
                client.subscribe("a", (m) => all.push("message a " + m.data)).then(acked("subscribe a")),
                client.subscribe("b", (m) => all.push("message b " + m.data)).then(acked("subscribe b")),
                client.publish("a", "e", 1, "one").then(acked("publish a")),
                client.unsubscribe("b").then(acked("unsubscribe b")),
                client.publish("b", "e", 2, "two").then(acked("publish b")),
                client.publish("a", "e", 3, "three").then(acked("publish a")),
              ]);
              return { acks, all, token: client.token, topics: client.topics, state: client.state, resumable: client.resumable, positions: JSON.stringify(client.positions) };
            }
            """);

        Assert.Equal(["subscribe a", "subscribe b", "publish a", "unsubscribe b", "publish b", "publish a"], Strings(result.GetProperty("acks")));

        // A publish to a topic the client is subscribed to is delivered before its ACK; "b" was unsubscribed (and
        // ACKed) before its publish, so that one reaches nobody.
        List<string> all = [.. Strings(result.GetProperty("all"))];
        Assert.Equal(8, all.Count);
        Assert.DoesNotContain("message b two", all);
        Assert.True(all.IndexOf("message a one") < all.IndexOf("publish a"), string.Join(", ", all));
        Assert.True(all.IndexOf("message a three") > all.IndexOf("publish b"), string.Join(", ", all));
        Assert.True(all.IndexOf("message a three") < all.LastIndexOf("publish a"), string.Join(", ", all));
        Assert.Matches("^[0-9a-f]{32}$", result.GetProperty("token").GetString());
        Assert.Equal(["a"], Strings(result.GetProperty("topics")));
        Assert.Equal("open", result.GetProperty("state").GetString());
        Assert.Equal(resume, result.GetProperty("resumable").GetBoolean());

        // Opted in, the client knows where it is in each topic: "a" had two messages since the page subscribed.
        using JsonDocument document = JsonDocument.Parse(result.GetProperty("positions").GetString()!);
        JsonElement positions = document.RootElement;
        if (resume)
        {
            Assert.Equal(2, positions.GetProperty("a").GetProperty("offset").GetInt64());
            Assert.False(string.IsNullOrEmpty(positions.GetProperty("a").GetProperty("epoch").GetString()));
        }
        else
        {
            Assert.Empty(positions.EnumerateObject());
        }

        // A subscribe made before connecting resolves once the connection subscribed; from then on a publish from
        // anywhere reaches the page.
        await EvalAsync(page, $$"""
            async () => {
              window.other = new Janus.Client({ resume: {{(resume ? "true" : "false")}} });
              const subscribed = other.subscribe("from-http", (m) => received.push(m));
              await other.connect();
              await subscribed;
            }
            """);
        await PublishOverHttpAsync(server.HttpBaseAddress, "from-http", new { n = 5 });
        await WaitForAsync(page, "() => received.length === 1");
        JsonElement message = await EvalAsync<JsonElement>(page, "() => received[0]");
        Assert.Equal("from-http", message.GetProperty("topic").GetString());
        Assert.Equal("e", message.GetProperty("event").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("messageId").ValueKind);
        Assert.Equal(5, message.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(3, message.GetProperty("timestamp").GetArrayLength());
        Assert.InRange(message.GetProperty("latency").GetDouble(), 0, 10_000);
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task Without_sessions_a_dropped_connection_is_reported_then_reconnected_and_its_topics_subscribed_again()
    {
        await using JanusTestServer server = await StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ minDelay: 50, maxDelay: 400, resume: false }));
              await client.connect();
              await client.subscribe("r1", (m) => received.push("r1 " + m.data));
              await client.subscribe("r2", (m) => received.push("r2 " + m.data));
              window.firstToken = client.token;
            }
            """);

        // The server closes the connection for a fault: the error message, then close code 1008 with the code as reason.
        ClientConnection first = Assert.Single(WebSocketConnections(server));
        first.BeginClose(ProtocolError.HeartbeatTimeout, sendErrorFrame: true);
        await WaitForAsync(page, "() => count('resubscribed') === 1");
        JsonElement error = await EvalAsync<JsonElement>(page, "() => last('error')");
        Assert.Equal("heartbeat_timeout", error.GetProperty("code").GetString());
        JsonElement close = await EvalAsync<JsonElement>(page, "() => log.find((e) => e.type === 'close').detail");
        Assert.Equal(1008, close.GetProperty("code").GetInt32());
        Assert.Equal("heartbeat_timeout", close.GetProperty("reason").GetString());
        Assert.Equal("heartbeat_timeout", close.GetProperty("error").GetProperty("code").GetString());
        Assert.True(close.GetProperty("reconnect").GetBoolean());
        Assert.Equal(["r1", "r2"], Strings(await EvalAsync<JsonElement>(page, "() => last('resubscribed').topics")));
        Assert.True(await EvalAsync<bool>(page, "() => client.token !== firstToken && /^[0-9a-f]{32}$/.test(client.token)"));
        Assert.True(await EvalAsync<bool>(page, "() => last('open').reconnected === true"));

        // The new session is subscribed: a publish to each topic arrives.
        await PublishOverHttpAsync(server.HttpBaseAddress, "r1", 1);
        await PublishOverHttpAsync(server.HttpBaseAddress, "r2", 2);
        await WaitForAsync(page, "() => received.length === 2");

        // The connection just breaks (no close frame): 1006, and the same again.
        ClientConnection second = Assert.Single(WebSocketConnections(server));
        Assert.NotSame(first, second);
        second.Abort();
        await WaitForAsync(page, "() => count('resubscribed') === 2");
        Assert.Equal(1006, await EvalAsync<int>(page, "() => last('close').code"));
        Assert.Null(await EvalAsync<string?>(page, "() => last('close').error"));
        await PublishOverHttpAsync(server.HttpBaseAddress, "r1", 3);
        await WaitForAsync(page, "() => received.length === 3");
        Assert.Equal(["r1 1", "r2 2", "r1 3"], Strings(await EvalAsync<JsonElement>(page, "() => received")));
        Assert.Equal(
            ["connecting", "open", "reconnecting", "connecting", "open", "reconnecting", "connecting", "open"],
            Strings(await EvalAsync<JsonElement>(page, "() => log.filter((e) => e.type === 'state').map((e) => e.detail.state)")));
    }

    [Fact]
    public async Task While_the_server_is_down_reconnect_attempts_back_off_exponentially_with_jitter_then_resume_on_the_new_server()
    {
        JanusTestServer first = await StartAsync();
        Uri address = first.HttpBaseAddress;
        int port = first.HttpEndPoint!.Port;
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, address);
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ minDelay: 100, maxDelay: 800, factor: 2, jitter: 0.5 }));
              await client.connect();
              await client.subscribe("survives", (m) => received.push(m.data));
            }
            """);

        await first.DisposeAsync();

        // Shutdown closes with 1001 server_shutdown; then each refused attempt closes with 1006 and waits longer.
        await WaitForAsync(page, "() => count('close') >= 5");
        JsonElement closes = await EvalAsync<JsonElement>(page, "() => log.filter((e) => e.type === 'close').map((e) => e.detail)");
        Assert.Equal(1001, closes[0].GetProperty("code").GetInt32());
        Assert.Equal("server_shutdown", closes[0].GetProperty("reason").GetString());
        for (int i = 0; i < 5; i++)
        {
            JsonElement attempt = closes[i];
            if (i > 0)
            {
                Assert.Equal(1006, attempt.GetProperty("code").GetInt32());
            }

            // minDelay × factor^i, capped at maxDelay, less up to half of it at random.
            double ceiling = Math.Min(800, 100 * Math.Pow(2, i));
            Assert.InRange(attempt.GetProperty("delay").GetDouble(), (ceiling / 2) - 1, ceiling + 1);
        }

        await using JanusTestServer second = await StartAsync(new Dictionary<string, string?> { ["Janus:Http:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await WaitForAsync(page, "() => count('resubscribed') === 1");

        // The new server knows neither the session nor the topic's epoch: the client subscribed again from its
        // position and tells the page that it cannot know what it missed.
        JsonElement resumed = await EvalAsync<JsonElement>(page, "() => last('resumed')");
        Assert.False(resumed.GetProperty("resumed").GetBoolean());
        Assert.Equal("expired", resumed.GetProperty("reason").GetString());
        Assert.False(resumed.GetProperty("recovered").GetBoolean());
        Assert.False(resumed.GetProperty("topics").GetProperty("survives").GetProperty("recovered").GetBoolean());
        await PublishOverHttpAsync(second.HttpBaseAddress, "survives", "after restart");
        await WaitForAsync(page, "() => received.length === 1 && received[0] === 'after restart'");
    }

    [Fact]
    public async Task The_client_answers_heartbeat_PINGs_so_an_otherwise_silent_page_stays_connected()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await StartAsync(
            new Dictionary<string, string?>
            {
                ["Janus:Heartbeat:Interval"] = "00:00:10",
                ["Janus:Heartbeat:Timeout"] = "00:00:25",
            },
            services => services.AddSingleton<TimeProvider>(time));
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);
        await EvalAsync(page, "async () => { window.client = track(new Janus.Client()); await client.connect(); }");

        // Six heartbeat intervals, more than twice the timeout: only the PONGs keep the connection alive.
        for (int i = 1; i <= 6; i++)
        {
            long before = await BytesReceivedAsync(server);
            time.Advance(TimeSpan.FromSeconds(10));
            await WaitForAsync(page, $"() => count('ping') === {i}");

            // The server has read the PONG (a 10-byte frame) before time moves on.
            using var deadline = new CancellationTokenSource(BrowserFixture.Timeout);
            while (await BytesReceivedAsync(server) < before + 10)
            {
                await Task.Yield();
                deadline.Token.ThrowIfCancellationRequested();
            }
        }

        Assert.Equal(0, await EvalAsync<int>(page, "() => count('close')"));
        Assert.Equal("open", await EvalAsync<string>(page, "() => client.state"));
        Assert.Single(WebSocketConnections(server));
    }

    [Fact]
    public async Task A_refused_publish_rejects_with_the_server_error_code_and_a_key_lets_the_page_publish()
    {
        const string key = "dashboard-test-key-0123456789";
        await using JanusTestServer server = await StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:TrustedNetworks"] = string.Empty,
            ["Janus:Security:ApiKeys:0"] = key,
        });
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);

        JsonElement refused = await EvalAsync<JsonElement>(page, """
            async () => {
              const client = track(new Janus.Client({ reconnect: false }));
              await client.connect();
              try {
                await client.publish("t", "e", 1, "x");
                return { published: true };
              } catch (error) {
                return { published: false, name: error.name, code: error.code, state: client.state };
              }
            }
            """);
        Assert.False(refused.GetProperty("published").GetBoolean());
        Assert.Equal("JanusError", refused.GetProperty("name").GetString());
        Assert.Equal("publish_forbidden", refused.GetProperty("code").GetString());
        Assert.Equal("closed", refused.GetProperty("state").GetString());
        Assert.Equal("publish_forbidden", await EvalAsync<string>(page, "() => last('error').code"));
        Assert.Equal(1008, await EvalAsync<int>(page, "() => last('close').code"));
        Assert.False(await EvalAsync<bool>(page, "() => last('close').reconnect"));
        Assert.Equal("not_connected", await EvalAsync<string>(page, """
            async () => { try { await new Janus.Client().publish("t", 1); } catch (e) { return e.code; } }
            """));

        JsonElement allowed = await EvalAsync<JsonElement>(page, $$"""
            async () => {
              const client = new Janus.Client({ key: "{{key}}" });
              await client.connect();
              const got = [];
              await client.subscribe("t", (m) => got.push(m.data));
              await client.publish("t", "e", 2, { ok: true });
              return { url: client.url, got };
            }
            """);
        // The key travels as a subprotocol, never in the URL (URLs are logged).
        Assert.EndsWith("/ws", allowed.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.True(allowed.GetProperty("got")[0].GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task With_an_idle_timeout_a_connection_that_hears_nothing_is_dropped_and_made_again()
    {
        // Fake time: the server never sends a heartbeat PING, so the line is silent.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(time));
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ idleTimeout: 600, minDelay: 50, maxDelay: 100 }));
              await client.connect();
              await client.subscribe("quiet", (m) => received.push(m.data));
            }
            """);

        await WaitForAsync(page, "() => count('resubscribed') >= 1");
        JsonElement close = await EvalAsync<JsonElement>(page, "() => log.find((e) => e.type === 'close').detail");
        Assert.Equal(4000, close.GetProperty("code").GetInt32());
        Assert.Equal("idle_timeout", close.GetProperty("reason").GetString());
        Assert.True(close.GetProperty("reconnect").GetBoolean());
    }
}
