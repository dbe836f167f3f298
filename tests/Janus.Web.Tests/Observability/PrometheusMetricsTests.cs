using System.Net;
using System.Net.Http.Json;
using Janus.Server.Metrics;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.Observability;

/// <summary><c>GET /metrics</c>: Prometheus text with the named Janus series, which move when Janus works.</summary>
[Collection(ProcessWideMetersCollection.Name)]
public sealed class PrometheusMetricsTests
{
    private static async Task<PrometheusText> ScrapeAsync(JanusTestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using HttpResponseMessage response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_named_series_are_exposed_with_their_types()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();

        PrometheusText metrics = await ScrapeAsync(server);

        Assert.Equal("gauge", metrics.Types["janus_connections"]);
        Assert.Equal("gauge", metrics.Types["janus_sessions"]);
        Assert.Equal("gauge", metrics.Types["janus_topics"]);
        Assert.Contains("janus_connections{transport=\"tcp\"}", metrics.Series.Keys);
        Assert.Contains("janus_connections{transport=\"websocket\"}", metrics.Series.Keys);
        Assert.Contains("janus_connections{transport=\"dashboard\"}", metrics.Series.Keys);
        Assert.DoesNotContain("janus_connections{transport=\"http\"}", metrics.Series.Keys);
        foreach (string counter in new[]
        {
            "janus_connections_accepted_total", "janus_subscribes_total", "janus_unsubscribes_total", "janus_publishes_total",
            "janus_deliveries_total", "janus_sent_bytes_total", "janus_received_bytes_total",
            "janus_slow_consumers_total", "janus_errors_total", "janus_heartbeat_pings_total",
        })
        {
            Assert.Equal("counter", metrics.Types[counter]);
        }

        Assert.Contains("janus_publishes_total{transport=\"http\"}", metrics.Series.Keys);
        Assert.DoesNotContain("janus_publishes_total{transport=\"dashboard\"}", metrics.Series.Keys);

        // Each name carries its unit once (the exporter appends the unit unless the name already ends with it).
        // (It used to export janus_bytes_sent_bytes_total.)
        Assert.DoesNotContain(metrics.Types.Keys, name => name.StartsWith("janus_", StringComparison.Ordinal)
            && name.Split('_').GroupBy(word => word).Any(words => words.Key is "bytes" or "milliseconds" or "seconds" && words.Count() > 1));
        Assert.Contains("janus_errors_total{code=\"slow_consumer\"}", metrics.Series.Keys);
        Assert.Contains("janus_errors_total{code=\"invalid_websocket_frame\"}", metrics.Series.Keys);
    }

    [Fact]
    public async Task The_series_change_after_subscribes_publishes_deliveries_and_errors()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        JanusMetrics janus = server.GetRequiredService<JanusMetrics>();
        var written = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        janus.LastWritten += milliseconds => written.TrySetResult(milliseconds);
        PrometheusText before = await ScrapeAsync(server);

        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("m");
        using (var http = new HttpClient { BaseAddress = server.HttpBaseAddress })
        {
            using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/api/publish", UriKind.Relative), new { topic = "m", @event = "e", message_id = 1, data = "x" });
            response.EnsureSuccessStatusCode();
        }

        await subscriber.ReceiveAsync();
        await written.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using WsClient bad = await WsClient.ConnectAsync(server);
        await bad.SendAsync("{oops");
        await bad.ReceiveUntilCloseAsync();
        PrometheusText after = await ScrapeAsync(server);

        Assert.Equal(0, before.Value("janus_connections{transport=\"websocket\"}"));
        Assert.Equal(0, after.Value("janus_connections{transport=\"dashboard\"}"));
        Assert.True(after.Value("janus_connections{transport=\"websocket\"}") >= 1);
        Assert.Equal(2, after.Value("janus_connections_accepted_total{transport=\"websocket\"}") - before.Value("janus_connections_accepted_total{transport=\"websocket\"}"));
        Assert.Equal(1, after.Value("janus_subscribes_total") - before.Value("janus_subscribes_total"));
        Assert.Equal(0, before.Value("janus_topics"));
        Assert.Equal(1, after.Value("janus_topics"));
        Assert.True(after.Value("janus_sessions") >= 1);
        Assert.Equal(1, after.Value("janus_publishes_total{transport=\"http\"}") - before.Value("janus_publishes_total{transport=\"http\"}"));
        Assert.Equal(1, after.Value("janus_deliveries_total") - before.Value("janus_deliveries_total"));
        Assert.True(after.Value("janus_sent_bytes_total") > before.Value("janus_sent_bytes_total"));
        Assert.True(after.Value("janus_received_bytes_total") > before.Value("janus_received_bytes_total"));
        Assert.Equal(1, after.Value("janus_errors_total{code=\"invalid_json\"}") - before.Value("janus_errors_total{code=\"invalid_json\"}"));

        // The fan-out histograms: one publish reached a subscriber, was queued and then written.
        Assert.Equal("histogram", after.Types["janus_fanout_enqueue_duration_milliseconds"]);
        Assert.Equal("histogram", after.Types["janus_fanout_write_duration_milliseconds"]);
        Assert.Equal(1, after.Value("janus_fanout_enqueue_duration_milliseconds_count"));
        Assert.Equal(1, after.Value("janus_fanout_write_duration_milliseconds_count"));
        Assert.Equal(1, after.Value("janus_fanout_enqueue_duration_milliseconds_bucket{le=\"+Inf\"}"));
        Assert.Contains("janus_fanout_write_duration_milliseconds_bucket{le=\"0.05\"}", after.Series.Keys);
        Assert.True(after.Value("janus_fanout_write_duration_milliseconds_sum") >= 0);
    }
}
