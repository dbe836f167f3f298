using System.Globalization;
using System.Text.RegularExpressions;
using Janus.Bot.Cli;
using Janus.Bot.Coordination;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Storm;
using Janus.Testing;

namespace Janus.Bot.Tests;

/// <summary>
/// <c>janus-bot test --reconnect-storm</c> against real servers on free loopback ports, with real worker processes:
/// every connection reset at once after setup, every client connects and subscribes again (no resume), and the
/// rounds that follow reach every one of them.
/// </summary>
[Collection(ProcessWideMetersCollection.Name)]
public sealed partial class ReconnectStormTests
{
    private const int Clients = 200;

    [Fact]
    public async Task Every_Janus_client_over_two_workers_and_two_nodes_is_reset_subscribes_again_and_gets_the_rounds()
    {
        // Two independent nodes, publishes to each: the clients come back to their own node (host i mod H), and a
        // round published on one node reaches exactly the clients that are subscribed there again.
        await using JanusTestServer first = await JanusTestServer.StartAsync();
        await using JanusTestServer second = await JanusTestServer.StartAsync();
        var options = new BotOptions
        {
            Clients = Clients,
            Workers = 2,
            Hosts = [first.TcpEndPoint!.ToString(), second.TcpEndPoint!.ToString()],
            Sources = ["127.0.0.2-127.0.0.3"],
            ReconnectStorm = true,
            Rounds = 2,
            Interval = TimeSpan.Zero,
            Timeout = TimeSpan.FromSeconds(1),
            Quiet = true,
        };
        long subscribesBefore = await CounterAsync(first, "janus_subscribes_total");

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        StormCutReport storm = Assert.IsType<StormCutReport>(report.ReconnectStorm);
        Assert.Equal(Clients, storm.Cut);
        Assert.Equal(Clients, storm.Resumed);
        Assert.Equal(0, storm.Failed);
        Assert.Equal(0, storm.NotResumed);
        Assert.True(storm.AllResumedMs > 0);
        Assert.Equal(Clients, storm.ResumeTime.Count);
        Assert.InRange(storm.ResumeTime.MaxMs, storm.ResumeTime.MinMs, storm.AllResumedMs + 1);
        Assert.True(storm.FirstCutUnixMs >= report.IdleDoneUnixMs && storm.LastResumedUnixMs <= report.EndUnixMs);
        Assert.True(report.ReconnectStormMs > 0);

        // The first node saw its half subscribe twice: at setup and after the storm (a connection refused or reset
        // under load before its ACK is retried and subscribes once more, so at least twice).
        Assert.InRange(await CounterAsync(first, "janus_subscribes_total") - subscribesBefore, Clients, 2 * Clients);
        foreach (RoundReport round in report.Rounds)
        {
            // Published on the first node: its half is good, the other half (on a node without a cluster) waits it out.
            Assert.Equal(Clients / 2, round.Good);
            Assert.Equal(0, round.Disconnected);
            Assert.Equal(0, round.Errors);
        }
    }

    [Fact]
    public async Task Every_Redis_client_is_reset_and_subscribes_again_and_no_message_is_lost_after()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        long connectionsBefore = await ConnectionsReceivedAsync(redis);
        var options = new BotOptions
        {
            Clients = Clients,
            Workers = 2,
            Protocol = BotProtocol.Redis,
            Hosts = [redis.EndPoint.ToString()],
            Sources = ["127.0.0.2-127.0.0.3"],
            ReconnectStorm = true,
            Rounds = 2,
            Interval = TimeSpan.Zero,
            Quiet = true,
        };

        var output = new StringWriter { NewLine = "\n" };
        var diagnostics = new StringWriter();
        int exitCode = await BotCommandLine.RunTestAsync(options, output, diagnostics, CancellationToken.None);

        string text = output.ToString();
        Assert.True(exitCode == 0, text + diagnostics);
        Match line = StormLine().Match(text);
        Assert.True(line.Success, text);
        Assert.Equal("200", line.Groups["reset"].Value);
        Assert.Equal("200", line.Groups["back"].Value);
        Assert.Equal("0", line.Groups["failed"].Value);
        Assert.True(double.Parse(line.Groups["ms"].Value, CultureInfo.InvariantCulture) > 0);
        Assert.Contains("lost: 0,", text, StringComparison.Ordinal);

        // Every client connected twice (the publisher's connection is on top).
        Assert.InRange(await ConnectionsReceivedAsync(redis) - connectionsBefore, 2 * Clients, (2 * Clients) + 10);
    }

    [Fact]
    public async Task Without_the_option_nothing_is_reset_and_the_report_has_no_storm()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new BotOptions { Clients = 20, Hosts = [server.TcpEndPoint!.ToString()], Quiet = true };

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        Assert.Null(report.ReconnectStorm);
        Assert.Equal(20, await CounterAsync(server, "janus_subscribes_total"));
        var output = new StringWriter();
        ReportWriter.WriteText(output, report);
        Assert.DoesNotContain("reconnect storm", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A counter of the server's <c>/metrics</c>, summed over its labels.</summary>
    private static async Task<long> CounterAsync(JanusTestServer server, string name)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        string metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        return MetricLine().Matches(metrics)
            .Where(m => m.Groups["name"].Value == name)
            .Sum(m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    private static async Task<long> ConnectionsReceivedAsync(RedisServer redis)
    {
        string info = (string)(await redis.ExecuteAsync("INFO", "stats"))!;
        Match match = ConnectionsReceived().Match(info);
        Assert.True(match.Success, info);
        return long.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{[^}]*\})? (?<value>\d+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();

    [GeneratedRegex(@"total_connections_received:(?<value>\d+)")]
    private static partial Regex ConnectionsReceived();

    [GeneratedRegex(@"^reconnect storm: (?<reset>\d+) reset, (?<back>\d+) subscribed again, (?<failed>\d+) failed, 0 not back, all subscribed again in (?<ms>\d+\.\d\d)ms \(\d+\.\d\dms as setup is timed\)$", RegexOptions.Multiline)]
    private static partial Regex StormLine();
}
