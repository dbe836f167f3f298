using System.Net.Http.Json;
using System.Text.Json;
using Janus.Dashboard.Tests.Support;
using Janus.Testing;
using Microsoft.Playwright;

namespace Janus.Dashboard.Tests.JanusJs;

/// <summary>
/// janus.js opted in to sessions (docs/sessions.md), against a real server: a connection the network cuts (a
/// <see cref="FaultProxy"/> between the browser and Janus resets it) is resumed with every message exactly once and in
/// order; a session the server no longer holds is replaced by subscribes from the last positions and the page is told
/// which topics were not recovered; close() says bye; a later page subscribes from a saved position.
/// </summary>
public sealed partial class JanusJsTests
{
    /// <summary>Publishes the numbers <paramref name="first"/>, first + 1, … over HTTP, one after the other.</summary>
    /// <returns>The next number.</returns>
    private static async Task<int> PublishNumbersAsync(HttpClient http, string topic, int first, int count)
    {
        for (int n = first; n < first + count; n++)
        {
            using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/api/publish", UriKind.Relative), new { topic, @event = "n", data = n });
            response.EnsureSuccessStatusCode();
        }

        return first + count;
    }

    private static async Task<int[]> ReceivedNumbersAsync(IPage page, string script = "() => received") =>
        (await EvalAsync<JsonElement>(page, script)).Deserialize<int[]>(Json) ?? [];

    [Fact]
    public async Task A_connection_the_network_cuts_is_resumed_and_the_page_gets_every_number_exactly_once_in_order()
    {
        await using JanusTestServer server = await StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(server.HttpEndPoint!);
        var proxyAddress = new Uri($"http://127.0.0.1:{proxy.EndPoint.Port}/");
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        await using BrowserPage browserPage = await _browser.NewPageAsync();

        // The page comes through the proxy, so its client's default address (/ws on the page's host) does too.
        IPage page = await OpenHarnessAsync(browserPage, proxyAddress);
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ minDelay: 20, maxDelay: 200 }));
              await client.connect();
              await client.subscribe("numbers", (m) => received.push(m.data));
              window.firstToken = client.token;
            }
            """);

        // Each round: numbers published while connected (the last of them still in flight when the cut comes), the
        // connection reset on both sides, more numbers while the page is away or reconnecting, then the resume.
        const int Batch = 40;
        const int Cuts = 3;
        int next = 1;
        for (int cut = 1; cut <= Cuts; cut++)
        {
            next = await PublishNumbersAsync(http, "numbers", next, Batch);
            Assert.True(proxy.CutAll() >= 1);
            next = await PublishNumbersAsync(http, "numbers", next, Batch);
            await WaitForAsync(page, $"() => count('resumed') === {cut}");
        }

        // One more after the last resume: when it has arrived, everything before it has too.
        next = await PublishNumbersAsync(http, "numbers", next, 1);
        int last = next - 1;
        await WaitForAsync(page, $"() => received.includes({last})");
        Assert.Equal(Enumerable.Range(1, last), await ReceivedNumbersAsync(page));

        // Every cut was seen as a broken connection, and every resume took the same session over with nothing missing.
        JsonElement resumes = await EvalAsync<JsonElement>(page, "() => log.filter((e) => e.type === 'resumed').map((e) => e.detail)");
        Assert.Equal(Cuts, resumes.GetArrayLength());
        foreach (JsonElement resumed in resumes.EnumerateArray())
        {
            Assert.True(resumed.GetProperty("resumed").GetBoolean(), resumed.ToString());
            Assert.True(resumed.GetProperty("recovered").GetBoolean(), resumed.ToString());
            Assert.True(resumed.GetProperty("topics").GetProperty("numbers").GetProperty("recovered").GetBoolean(), resumed.ToString());
        }

        // A cut can also catch a reconnect attempt in flight (one more close, then another attempt): at least one
        // abnormal close per cut, and nothing but abnormal closes.
        int[] closes = (await EvalAsync<JsonElement>(page, "() => log.filter((e) => e.type === 'close').map((e) => e.detail.code)")).Deserialize<int[]>(Json) ?? [];
        Assert.True(closes.Length >= Cuts, $"{closes.Length} closes for {Cuts} cuts");
        Assert.All(closes, code => Assert.Equal(1006, code));
        Assert.True(await EvalAsync<bool>(page, "() => client.token === firstToken && client.resumable"));
        Assert.Equal(last, await EvalAsync<int>(page, "() => client.positions.numbers.offset"));
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task Cuts_at_random_moments_while_publishing_continues_even_during_a_resume_lose_and_repeat_nothing()
    {
        // What the dropped socket swallowed comes back from the topic's history, so the history must reach back over
        // everything published while the page is away: cuts of handshakes in a row can keep it away for a few
        // hundred messages, beyond the default 100 (then the resume says recovered:false, which is right, but not
        // what this test is about).
        await using JanusTestServer server = await StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "1000" });
        await using FaultProxy proxy = FaultProxy.Start(server.HttpEndPoint!);
        var proxyAddress = new Uri($"http://127.0.0.1:{proxy.EndPoint.Port}/");
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, proxyAddress);
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ minDelay: 5, maxDelay: 40 }));
              await client.connect();
              await client.subscribe("stream", (m) => received.push(m.data));
            }
            """);

        // Cuts after numbers drawn by a seeded random. Every other one waits for the page to be connected again (its
        // resume sent, maybe answered); the others hit whatever the page is doing: a handshake, a resume in flight,
        // or nothing (the page is between attempts).
        const int Total = 240;
        var random = new Random(20261206);
        var cutAfter = new HashSet<int>();
        while (cutAfter.Count < 12)
        {
            cutAfter.Add(random.Next(1, Total));
        }

        int cuts = 0;
        int opened = 0;
        for (int n = 1; n <= Total; n++)
        {
            await PublishNumbersAsync(http, "stream", n, 1);
            if (cutAfter.Contains(n))
            {
                if (int.IsEvenInteger(cutAfter.Count(c => c < n)))
                {
                    // A connection newer than the last cut (the page may not have seen that cut yet).
                    await WaitForAsync(page, $"() => count('open') > {opened} && client.resumable");
                }

                opened = await EvalAsync<int>(page, "() => count('open')");
                cuts += proxy.CutAll();
            }
        }

        Assert.True(cuts >= 6, $"only {cuts} connections were cut while publishing");
        int last = await PublishNumbersAsync(http, "stream", Total + 1, 1) - 1;
        await WaitForAsync(page, $"() => received.includes({last})");
        int[] received = await ReceivedNumbersAsync(page);
        Assert.True(
            received.SequenceEqual(Enumerable.Range(1, last)),
            $"received {string.Join(",", received)}; the page's log: {await EvalAsync<string>(page, "() => JSON.stringify(log.filter((e) => e.type !== 'state'))")}");

        // No resume found its session gone, and none missed anything.
        JsonElement resumes = await EvalAsync<JsonElement>(page, "() => log.filter((e) => e.type === 'resumed').map((e) => e.detail)");
        _output.WriteLine($"{last} numbers received once each in order; {cuts} connections cut, {resumes.GetArrayLength()} resumes, {await EvalAsync<int>(page, "() => count('open')")} connections opened");
        Assert.True(resumes.GetArrayLength() >= 1);
        foreach (JsonElement resumed in resumes.EnumerateArray())
        {
            Assert.True(resumed.GetProperty("resumed").GetBoolean() && resumed.GetProperty("recovered").GetBoolean(), resumed.ToString());
        }

        // Chromium logs each handshake the proxy reset to the console; only the page's own exceptions count here.
        Assert.DoesNotContain(browserPage.Errors, static error => error.StartsWith("uncaught", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_the_session_is_gone_the_page_subscribes_again_from_its_positions_and_is_told_what_was_not_recovered()
    {
        // No grace: a session ends with its connection, so the resume finds nothing. "volatile…" topics keep no
        // history, so what they had while the page was away is gone; "kept" has the default history.
        await using JanusTestServer server = await StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Sessions:Grace"] = "00:00:00",
            ["Janus:History:Rules:0:Prefix"] = "volatile",
            ["Janus:History:Rules:0:Size"] = "0",
        });
        await using FaultProxy proxy = FaultProxy.Start(server.HttpEndPoint!);
        var proxyAddress = new Uri($"http://127.0.0.1:{proxy.EndPoint.Port}/");
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, proxyAddress);

        // A long first delay: the server has long seen the reset (and ended the session) when the page comes back.
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ minDelay: 300, maxDelay: 300, jitter: 0 }));
              window.kept = [];
              window.lost = [];
              await client.connect();
              await client.subscribe("kept", (m) => kept.push(m.data));
              await client.subscribe("volatile-prices", (m) => lost.push(m.data));
            }
            """);
        await PublishNumbersAsync(http, "kept", 1, 5);
        await PublishNumbersAsync(http, "volatile-prices", 1, 5);
        await WaitForAsync(page, "() => kept.length === 5 && lost.length === 5");

        Assert.True(proxy.CutAll() >= 1);
        await PublishNumbersAsync(http, "kept", 6, 5);
        await PublishNumbersAsync(http, "volatile-prices", 6, 5);
        await WaitForAsync(page, "() => count('resumed') === 1");

        JsonElement resumed = await EvalAsync<JsonElement>(page, "() => last('resumed')");
        Assert.False(resumed.GetProperty("resumed").GetBoolean(), resumed.ToString());
        Assert.Equal("expired", resumed.GetProperty("reason").GetString());
        Assert.False(resumed.GetProperty("recovered").GetBoolean(), resumed.ToString());
        Assert.True(resumed.GetProperty("topics").GetProperty("kept").GetProperty("recovered").GetBoolean(), resumed.ToString());
        Assert.False(resumed.GetProperty("topics").GetProperty("volatile-prices").GetProperty("recovered").GetBoolean(), resumed.ToString());
        Assert.Equal(["kept", "volatile-prices"], Strings(await EvalAsync<JsonElement>(page, "() => last('resubscribed').topics")));

        // The page has a new session, subscribed from its positions: "kept" missed nothing, "volatile-prices" goes on
        // from now.
        await PublishNumbersAsync(http, "kept", 11, 1);
        await PublishNumbersAsync(http, "volatile-prices", 11, 1);
        await WaitForAsync(page, "() => kept.includes(11) && lost.includes(11)");
        Assert.Equal(Enumerable.Range(1, 11), await ReceivedNumbersAsync(page, "() => kept"));
        int[] lost = await ReceivedNumbersAsync(page, "() => lost");
        Assert.Equal([1, 2, 3, 4, 5, 11], lost);
        Assert.True(await EvalAsync<bool>(page, "() => client.resumable"));
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task A_topic_unsubscribed_while_the_page_was_away_is_dropped_from_the_resumed_session()
    {
        await using JanusTestServer server = await StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(server.HttpEndPoint!);
        var proxyAddress = new Uri($"http://127.0.0.1:{proxy.EndPoint.Port}/");
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, proxyAddress);

        // The page drops "b" as soon as the connection is lost, while the server still keeps it in the session.
        await EvalAsync(page, """
            async () => {
              window.client = track(new Janus.Client({ minDelay: 200, maxDelay: 200, jitter: 0 }));
              window.wire = [];
              client.on("message", (m) => wire.push(m.topic + " " + m.data));
              client.on("close", () => { window.dropped = client.unsubscribe("b"); });
              await client.connect();
              await client.subscribe("a", (m) => received.push("a " + m.data));
              await client.subscribe("b", (m) => received.push("b " + m.data));
            }
            """);
        Assert.True(proxy.CutAll() >= 1);
        await PublishNumbersAsync(http, "b", 1, 1);
        await WaitForAsync(page, "() => count('resumed') === 1");
        Assert.True(await EvalAsync<bool>(page, "async () => { await dropped; return last('resumed').resumed; }"));

        // Commands are carried out in order: once a publish sent after the resume is ACKed, so is the unsubscribe of
        // "b" the client sent on seeing the resume's answer.
        await EvalAsync(page, "async () => { await client.publish('sync'); }");

        // The one published to "b" while away was still queued for the session (and reached no handler); after the
        // resume the session no longer holds "b": a publish to "b" then one to "a", and only "a" arrives.
        await PublishNumbersAsync(http, "b", 2, 1);
        await PublishNumbersAsync(http, "a", 3, 1);
        await WaitForAsync(page, "() => received.includes('a 3')");
        Assert.Equal(["a 3"], Strings(await EvalAsync<JsonElement>(page, "() => received")));
        Assert.DoesNotContain("b 2", Strings(await EvalAsync<JsonElement>(page, "() => wire")));
        Assert.Equal(["a"], Strings(await EvalAsync<JsonElement>(page, "() => client.topics")));
    }

    [Fact]
    public async Task Close_says_bye_so_the_server_keeps_no_session_to_resume()
    {
        await using JanusTestServer server = await StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);
        string token = await EvalAsync<string>(page, """
            async () => {
              window.client = track(new Janus.Client());
              await client.connect();
              await client.subscribe("t", (m) => received.push(m.data));
              const token = client.token;
              client.close();
              return token;
            }
            """);

        // The bye came before the close frame: once the server let the connection go, the session is gone as well.
        using (var deadline = new CancellationTokenSource(BrowserFixture.Timeout))
        {
            while (WebSocketConnections(server).Count > 0)
            {
                await Task.Yield();
                deadline.Token.ThrowIfCancellationRequested();
            }
        }

        await using RawTcpClient other = await server.ConnectTcpAsync();
        await other.SendAsync("{\"action\":\"resume\",\"data\":\"" + token + "\"}\0");
        using JsonDocument answer = JsonDocument.Parse(await other.ReadMessageAsync());
        Assert.False(answer.RootElement.GetProperty("resumed").GetBoolean(), answer.RootElement.ToString());
        Assert.Equal("expired", answer.RootElement.GetProperty("reason").GetString());
        Assert.Equal("closed", await EvalAsync<string>(page, "() => client.state"));
    }

    [Fact]
    public async Task A_later_page_subscribes_from_a_saved_position_and_gets_what_it_missed_first()
    {
        await using JanusTestServer server = await StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);
        await EvalAsync(page, """
            async () => {
              window.client = new Janus.Client();
              await client.connect();
              await client.subscribe("feed", (m) => received.push(m.data));
            }
            """);
        await PublishNumbersAsync(http, "feed", 1, 3);
        await WaitForAsync(page, "() => received.length === 3");

        // The page saves its positions and goes (as on unload), then messages keep coming.
        await EvalAsync(page, "() => { window.saved = client.positions; client.close(); }");
        await PublishNumbersAsync(http, "feed", 4, 3);

        // A new client, as a reloaded page would make, subscribes from the saved position.
        JsonElement subscribed = await EvalAsync<JsonElement>(page, """
            async () => {
              window.later = [];
              window.again = new Janus.Client();
              await again.connect();
              return await again.subscribe("feed", (m) => later.push(m.data), { since: saved.feed });
            }
            """);
        Assert.True(subscribed.GetProperty("recovered").GetBoolean(), subscribed.ToString());
        Assert.Equal(6, subscribed.GetProperty("offset").GetInt64());
        await PublishNumbersAsync(http, "feed", 7, 1);
        await WaitForAsync(page, "() => later.includes(7)");
        int[] later = await ReceivedNumbersAsync(page, "() => later");
        Assert.Equal([4, 5, 6, 7], later);
        browserPage.AssertNoErrors();
    }
}
