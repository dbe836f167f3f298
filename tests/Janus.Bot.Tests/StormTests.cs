using System.Text.RegularExpressions;
using Janus.Bot.Cli;
using Janus.Bot.Storm;
using Janus.Testing;

namespace Janus.Bot.Tests;

/// <summary>
/// <c>janus-bot storm</c> against a real in-process Janus on a free loopback port, with real worker processes: opted-in
/// subscribers, a numbered publish at a steady rate, every connection reset at once, every client resumed.
/// </summary>
public sealed partial class StormTests
{
    [Fact]
    public async Task Fifty_clients_cut_twice_resume_with_nothing_lost_duplicated_or_out_of_order()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new StormOptions
        {
            Clients = 50,
            Workers = 2,
            Hosts = [server.TcpEndPoint!.ToString()],
            Topics = 3,
            TopicsPerClient = 2,
            Rate = 200,
            Cuts = 2,
            Warmup = TimeSpan.FromMilliseconds(300),
            Interval = TimeSpan.FromMilliseconds(300),
            CutTimeout = TimeSpan.FromSeconds(20),
            Quiet = true,
        };

        var output = new StringWriter { NewLine = "\n" };
        var diagnostics = new StringWriter();
        int exitCode = await StormCommand.RunAsync(options, output, diagnostics, CancellationToken.None);

        string text = output.ToString();
        Assert.True(exitCode == 0, text + diagnostics);
        Assert.Matches(@"^setup: \d+\.\d\dms, subscribed: 50, setup failures: 0$", Lines(text)[1]);
        for (int round = 1; round <= 2; round++)
        {
            Match cut = CutLine().Match(text[text.IndexOf($"cut {round}:", StringComparison.Ordinal)..]);
            Assert.True(cut.Success, text);
            Assert.Equal("50", cut.Groups["cut"].Value);
            Assert.Equal("50", cut.Groups["resumed"].Value);
            Assert.Equal("0", cut.Groups["false"].Value);
            Assert.Equal("0", cut.Groups["failed"].Value);
            Assert.Equal("0", cut.Groups["not"].Value);
        }

        Assert.Contains("\nlost: 0, duplicated: 0, out of order: 0, recovered:false: 0, resume failures: 0, errors: 0\n", text, StringComparison.Ordinal);

        // The clients said bye at the end: no session is left parked for the grace period.
        Assert.Equal("0", await ParkedSessionsAsync(server));
    }

    [Fact]
    public async Task A_partial_cut_with_an_outage_from_several_sources_replays_what_was_published_meanwhile()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new StormOptions
        {
            Clients = 60,
            Workers = 2,
            Hosts = [server.TcpEndPoint!.ToString()],
            Sources = ["127.0.0.2-127.0.0.3"],
            Topics = 2,
            Rate = 200,
            Cuts = 1,
            CutFraction = 0.5,
            Outage = TimeSpan.FromMilliseconds(400),
            Warmup = TimeSpan.FromMilliseconds(300),
            Interval = TimeSpan.FromMilliseconds(200),
            CutTimeout = TimeSpan.FromSeconds(20),
            Quiet = true,
        };

        StormReport report = await StormRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        StormCutReport cut = Assert.Single(report.Cuts);
        Assert.Equal(30, cut.Cut);
        Assert.Equal(30, cut.Resumed);
        Assert.Equal(30, cut.CaughtUp);
        Assert.Equal(0, cut.RecoveredFalse);
        // Away for 400 ms at 100 messages/s per topic: every comeback had tens of messages replayed.
        Assert.InRange(cut.AllResumedMs, 400, 20_000);
        Assert.True(report.Replayed.Count >= 30 * 20, $"replayed {report.Replayed.Count}");
        Assert.True(report.Replayed.P50Ms > report.Live.P50Ms);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.OutOfOrder);
        Assert.Equal(report.Published / 2 * 60, report.Deliveries, tolerance: 60);
        Assert.True(report.Clean);
    }

    [Fact]
    public async Task Resuming_on_the_next_host_reaches_the_other_node_and_reports_what_it_could_not_recover()
    {
        // Two independent nodes (no cluster between them): a session lives on one node, so a client that comes back on
        // the other is told resumed:false, subscribes again from its position, and the bot counts it.
        await using JanusTestServer first = await JanusTestServer.StartAsync();
        await using JanusTestServer second = await JanusTestServer.StartAsync();
        var options = new StormOptions
        {
            Clients = 20,
            Hosts = [first.TcpEndPoint!.ToString(), second.TcpEndPoint!.ToString()],
            ResumeOnNextHost = true,
            Rate = 50,
            Cuts = 1,
            Warmup = TimeSpan.FromMilliseconds(200),
            Interval = TimeSpan.Zero,
            CutTimeout = TimeSpan.FromSeconds(10),
            DrainTimeout = TimeSpan.FromSeconds(1),
            Quiet = true,
        };

        StormReport report = await StormRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        StormCutReport cut = Assert.Single(report.Cuts);
        Assert.Equal(20, cut.Cut);
        Assert.Equal(20, cut.Resumed);
        Assert.Equal(20, cut.RecoveredFalse);
        Assert.False(report.Clean);
    }

    private static string[] Lines(string text) => text.Split('\n');

    /// <summary>The server's <c>janus_sessions_parked</c> gauge, once it has settled (a close is processed after the bot's stop returns).</summary>
    private static async Task<string> ParkedSessionsAsync(JanusTestServer server)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        string value = "";
        for (int attempt = 0; attempt < 50; attempt++)
        {
            string metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            value = ParkedGauge().Match(metrics).Groups["value"].Value;
            if (value == "0")
            {
                break;
            }

            await Task.Delay(100);
        }

        return value;
    }

    [GeneratedRegex(@"^janus_sessions_parked\{\} (?<value>\d+)$", RegexOptions.Multiline)]
    private static partial Regex ParkedGauge();

    [GeneratedRegex(@"^cut \d+: (?<cut>\d+) cut, (?<resumed>\d+) resumed \((?<false>\d+) recovered:false, (?<failed>\d+) failed, (?<not>\d+) not resumed\), all resumed in \d+\.\d\dms, all caught up in \d+\.\d\dms$", RegexOptions.Multiline)]
    private static partial Regex CutLine();
}
