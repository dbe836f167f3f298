using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Janus.Dashboard.Tests.Support;
using Janus.Testing;
using Microsoft.Playwright;

using static Microsoft.Playwright.Assertions;

namespace Janus.Dashboard.Tests.Dashboard;

/// <summary>The live dashboard at <c>/</c>, driven in headless Chromium against a real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class DashboardPageTests
{
    private readonly BrowserFixture _browser;

    public DashboardPageTests(BrowserFixture browser) => _browser = browser;

    [GeneratedRegex(@"^\d+(\.\d+)? (µs|ms|s)$")]
    private static partial Regex LatencyText();

    private static async Task<IPage> OpenDashboardAsync(BrowserPage browserPage, JanusTestServer server)
    {
        IPage page = browserPage.Page;
        await page.GotoAsync(server.HttpBaseAddress.ToString());

        // The page's own WebSocket (the watch panel) is open once the server greeted it.
        await Expect(page.GetByTestId("ws-state")).ToHaveAttributeAsync("data-state", "open");
        return page;
    }

    private static async Task PublishOverHttpAsync(JanusTestServer server, object message)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/api/publish", UriKind.Relative), message);
        response.EnsureSuccessStatusCode();
    }

    private static async Task WatchAsync(IPage page, string topic)
    {
        await page.Locator("#watch-topic").FillAsync(topic);
        await page.Locator("#watch-button").ClickAsync();
        await Expect(page.GetByTestId("watched").Locator($"[data-topic=\"{topic}\"][data-subscribed=\"true\"]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_page_shows_the_node_and_the_connection_count_and_follows_tcp_clients_coming_and_going()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenDashboardAsync(browserPage, server);
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using JsonDocument stats = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/stats", UriKind.Relative)));

        await Expect(page.GetByTestId("node-id")).ToHaveTextAsync(stats.RootElement.GetProperty("node_id").GetString()!);
        await Expect(page.GetByTestId("ws-state")).ToContainTextAsync("connected");

        // The only connection is the page's own WebSocket: shown apart, not as a client connection; /api/stats agrees.
        await Expect(page.GetByTestId("connections-dashboard")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("connections-total")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("connections-websocket")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("connections-tcp")).ToHaveTextAsync("0");
        using (JsonDocument now = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/stats", UriKind.Relative))))
        {
            JsonElement connections = now.RootElement.GetProperty("connections");
            Assert.Equal((0, 0, 1), (connections.GetProperty("total").GetInt64(), connections.GetProperty("websocket").GetInt64(), connections.GetProperty("dashboard").GetInt64()));
        }

        var clients = new List<RawTcpClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                clients.Add(await server.ConnectTcpAsync());
            }

            await Expect(page.GetByTestId("connections-total")).ToHaveTextAsync("3");
            await Expect(page.GetByTestId("connections-tcp")).ToHaveTextAsync("3");
            await Expect(page).ToHaveTitleAsync("Janus · 3 connections");
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }

        await Expect(page.GetByTestId("connections-total")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("connections-tcp")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("connections-dashboard")).ToHaveTextAsync("1");
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task A_test_message_published_from_the_panel_arrives_in_the_topic_panel_with_its_latency()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenDashboardAsync(browserPage, server);

        await WatchAsync(page, "e2e");
        await page.Locator("#publish-topic").FillAsync("e2e");
        await page.Locator("#publish-event").FillAsync("greeting");
        await page.Locator("#publish-id").FillAsync("41");
        await page.Locator("#publish-data").FillAsync("{\"hello\":\"from the panel\"}");
        await page.Locator("#publish-button").ClickAsync();

        ILocator row = page.GetByTestId("message-log").Locator("tr[data-topic=\"e2e\"]");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td.event")).ToHaveTextAsync("greeting");
        await Expect(row.Locator("td.id")).ToHaveTextAsync("41");
        await Expect(row.Locator("td.data")).ToHaveTextAsync("{\"hello\":\"from the panel\"}");
        await Expect(row.Locator("td.latency")).ToHaveTextAsync(LatencyText());
        await Expect(page.GetByTestId("publish-result")).ToContainTextAsync("published to e2e");
        await Expect(page.Locator("#received-count")).ToHaveTextAsync("1");

        // The next test message gets the next id; the topics table shows the page as the topic's subscriber.
        await Expect(page.Locator("#publish-id")).ToHaveValueAsync("42");
        await Expect(page.GetByTestId("topics-table").Locator("tr[data-topic=\"e2e\"]")).ToContainTextAsync("1");
        await Expect(page.GetByTestId("publish-rate")).Not.ToHaveTextAsync("0");
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task Behind_a_read_key_the_page_asks_for_the_key_then_reads_and_publishes_with_it_and_no_URL_carries_it()
    {
        const string key = "dashboard-key-0123456789abcdef";
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:TrustedNetworks"] = string.Empty,
            ["Janus:Security:ReadAccess"] = "KeyOnly",
            ["Janus:Security:ApiKeys:0"] = key,
        });
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = browserPage.Page;
        var urls = new List<string>();
        page.Request += (_, request) => urls.Add(request.Url);
        await page.GotoAsync(server.HttpBaseAddress.ToString());

        // No key yet: the numbers are refused, and the page asks.
        await Expect(page.Locator("#key-form")).ToBeVisibleAsync();
        await page.Locator("#key-input").FillAsync(key);
        await page.Locator("#key-form button").ClickAsync();

        // After the reload: the numbers, the watch panel's WebSocket, and a publish (the key as its subprotocol).
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        using JsonDocument stats = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/stats", UriKind.Relative)));
        await Expect(page.GetByTestId("node-id")).ToHaveTextAsync(stats.RootElement.GetProperty("node_id").GetString()!);
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("ws-state")).ToHaveAttributeAsync("data-state", "open");
        await WatchAsync(page, "keyed");
        await page.Locator("#publish-topic").FillAsync("keyed");
        await page.Locator("#publish-data").FillAsync("\"with the key\"");
        await page.Locator("#publish-button").ClickAsync();
        await Expect(page.GetByTestId("message-log").Locator("tr[data-topic=\"keyed\"]")).ToHaveCountAsync(1);

        Assert.NotEmpty(urls);
        Assert.DoesNotContain(urls, url => url.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_in_the_address_s_fragment_is_taken_into_the_tab_and_out_of_the_address()
    {
        const string key = "dashboard-key-0123456789abcdef";
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Security:ReadAccess"] = "KeyOnly",
            ["Janus:Security:ReadKeys:0"] = key,
        });
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = browserPage.Page;
        await page.GotoAsync(server.HttpBaseAddress + "#key=" + key);

        await Expect(page.GetByTestId("node-id")).Not.ToHaveTextAsync("…");
        await Expect(page.GetByTestId("topics-count")).Not.ToHaveTextAsync("–");
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_single_publish_shows_in_the_fanout_latency_chart_and_sparkline()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenDashboardAsync(browserPage, server);
        await WatchAsync(page, "lonely");

        await PublishOverHttpAsync(server, new { topic = "lonely", @event = "once", message_id = 1, data = 1 });

        // One second with a latency between seconds without: no line to draw, so one dot per series (write p99,
        // write p50, enqueue p99), and a tick in the card's sparkline.
        await Expect(page.GetByTestId("message-log").Locator("tr[data-topic=\"lonely\"]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#chart-latency circle.point")).ToHaveCountAsync(3, new() { Timeout = 10_000 });
        await Expect(page.Locator("#spark-latency path.spark-line")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("write-p99")).ToHaveTextAsync(LatencyText());
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task Messages_published_from_outside_over_http_and_tcp_arrive_in_the_topic_panel()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenDashboardAsync(browserPage, server);
        await WatchAsync(page, "orders");

        await PublishOverHttpAsync(server, new { topic = "orders", @event = "created", message_id = 7, data = new { via = "http" } });
        ILocator rows = page.GetByTestId("message-log").Locator("tr[data-topic=\"orders\"]");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("td.data")).ToHaveTextAsync("{\"via\":\"http\"}");

        await using (RawTcpClient publisher = await server.ConnectTcpAsync())
        {
            await publisher.SendAsync("PUBLISH\0{\"topic\":\"orders\",\"event\":\"shipped\",\"message_id\":8,\"data\":{\"via\":\"tcp\"}}");
            await Expect(rows).ToHaveCountAsync(2);
        }

        // Newest first.
        await Expect(rows.First.Locator("td.event")).ToHaveTextAsync("shipped");
        await Expect(rows.First.Locator("td.data")).ToHaveTextAsync("{\"via\":\"tcp\"}");
        await Expect(rows.Nth(1).Locator("td.event")).ToHaveTextAsync("created");

        // A topic nobody on the page watches does not show up.
        await PublishOverHttpAsync(server, new { topic = "elsewhere", data = 1 });
        await PublishOverHttpAsync(server, new { topic = "orders", @event = "closed", data = 3 });
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("message-log").Locator("tr")).ToHaveCountAsync(3);
        browserPage.AssertNoErrors();
    }

    [Fact]
    public async Task Under_load_the_page_shows_rates_topics_errors_and_latency_and_a_screenshot_is_saved()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var clients = new List<RawTcpClient>();
        try
        {
            // 120 subscribers over three topics, and one client closed for a fault.
            for (int i = 0; i < 120; i++)
            {
                RawTcpClient client = await server.ConnectTcpAsync();
                string topic = i % 3 == 0 ? "news" : "prices";
                await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"" + topic + "\"}\0{\"action\":\"subscribe\",\"data\":\"room-" + (i % 4) + "\"}\0");
                clients.Add(client);
            }

            foreach (RawTcpClient client in clients)
            {
                Assert.Equal("ACK", await client.ReadMessageAsync());
                Assert.Equal("ACK", await client.ReadMessageAsync());
            }

            await using (RawTcpClient faulty = await server.ConnectTcpAsync())
            {
                await faulty.SendAsync("{not json\0");
                await faulty.ReadUntilClosedAsync();
            }

            await using BrowserPage browserPage = await _browser.NewPageAsync();
            IPage page = await OpenDashboardAsync(browserPage, server);
            await WatchAsync(page, "prices");
            for (int i = 0; i < 20; i++)
            {
                await PublishOverHttpAsync(server, new object[]
                {
                    new { topic = "prices", @event = "tick", message_id = i, data = new { price = 100 + i } },
                    new { topic = "news", @event = "story", message_id = i, data = "headline " + i },
                });
            }

            await Expect(page.GetByTestId("connections-total")).ToHaveTextAsync("120");
            await Expect(page.GetByTestId("topics-count")).ToHaveTextAsync("6");
            await Expect(page.GetByTestId("topics-table").Locator("tr").First).ToHaveAttributeAsync("data-topic", "prices");
            await Expect(page.GetByTestId("topics-table").Locator("tr").First).ToContainTextAsync("81");
            await Expect(page.GetByTestId("errors-table").Locator("tr[data-code=\"invalid_json\"]")).ToContainTextAsync("1");
            await Expect(page.GetByTestId("errors-total")).ToHaveTextAsync("1");
            await Expect(page.GetByTestId("write-p99")).ToHaveTextAsync(LatencyText());
            await Expect(page.Locator("#latency-write td").First).ToHaveTextAsync("40");

            // One write p99: the card's figure is the table's (both over the last 60 s).
            await Expect(page.GetByTestId("write-p99")).ToHaveTextAsync(await page.Locator("#latency-write td").Nth(3).TextContentAsync() ?? "?");
            await Expect(page.Locator("#received-count")).ToHaveTextAsync("20");
            await Expect(page.Locator("#chart-deliveries path.line")).ToHaveCountAsync(1);
            await Expect(page.Locator("#chart-histogram rect.bar[height]:not([height=\"0\"])").First).ToBeVisibleAsync();

            string path = TestArtifacts.ScreenshotPath("dashboard.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            Assert.True(new FileInfo(path).Length > 10_000, $"the screenshot at {path} is suspiciously small");
            browserPage.AssertNoErrors();
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
