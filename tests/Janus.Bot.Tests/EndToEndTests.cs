using System.Globalization;
using System.Text.RegularExpressions;
using Janus.Bot.Cli;
using Janus.Bot.Coordination;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Testing;
using Spectre.Console;

namespace Janus.Bot.Tests;

/// <summary>
/// The bot against real servers on free loopback ports: an in-process Janus and a redis-server, with real worker
/// processes (the test runs the coordinator; it starts <c>janus-bot worker</c> children).
/// </summary>
public sealed partial class EndToEndTests
{
    private const int Clients = 300;

    [Fact]
    public async Task Three_hundred_clients_over_two_worker_processes_are_all_good_against_Janus()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new BotOptions { Clients = Clients, Workers = 2, Hosts = [server.TcpEndPoint!.ToString()], Quiet = true };

        var output = new StringWriter { NewLine = "\n" };
        var diagnostics = new StringWriter();
        int exitCode = await BotCommandLine.RunTestAsync(options, output, diagnostics, CancellationToken.None);

        string text = output.ToString();
        Assert.True(exitCode == 0, text + diagnostics);
        Match header = HeaderLine().Match(text);
        Assert.True(header.Success, text);
        Assert.Equal("300", header.Groups["good"].Value);
        Assert.Equal("0", header.Groups["bad"].Value);
        Assert.Matches(@"\n  500\.0000ms \| \d+ +- +\d+\.\d\d%\n", text);
        Assert.Contains("lost: 0,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rounds_topics_and_back_to_back_messages_are_counted_per_delivery_against_Janus()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new BotOptions
        {
            Clients = Clients,
            Workers = 2,
            Hosts = [server.TcpEndPoint!.ToString()],
            Sources = ["127.0.0.1-127.0.0.2"],
            Rounds = 2,
            Topics = 3,
            Throughput = 10,
            Interval = TimeSpan.Zero,
        };

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        Assert.Equal(2, report.Workers);
        Assert.Equal(Clients, report.Subscribed);
        Assert.Equal(2, report.Rounds.Count);
        foreach (RoundReport round in report.Rounds)
        {
            Assert.Equal(Clients, round.Good);
            Assert.Equal(0, round.Bad);
            Assert.Equal(0, round.Lost);
            Assert.Equal(Clients * 10, round.Deliveries);
            Assert.Equal(Clients * 10, round.Latency.Count);
            Assert.Equal(0, round.Duplicates);
            Assert.True(round.DeliveriesPerSecond > 0);
        }

        Assert.Equal(2 * Clients * 10, report.Summary!.Deliveries);
    }

    [Fact]
    public async Task Clients_that_never_get_a_message_are_bad_after_the_window()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();

        // Publishing to a topic nobody subscribed to: every client waits out its window.
        var options = new BotOptions
        {
            Clients = 20,
            Hosts = [server.TcpEndPoint!.ToString()],
            Timeout = TimeSpan.FromSeconds(1),
            PublishTo = server.TcpEndPoint.ToString(),
        };
        BotReport report = await BotRun.RunAsync(options with { Topics = 1 }, TextWriter.Null, null, CancellationToken.None);
        Assert.Equal(20, report.Rounds[0].Good);

        await using JanusTestServer other = await JanusTestServer.StartAsync();
        BotReport silent = await BotRun.RunAsync(options with { PublishTo = other.TcpEndPoint!.ToString() }, TextWriter.Null, null, CancellationToken.None);

        RoundReport round = silent.Rounds[0];
        Assert.Equal(0, round.Good);
        Assert.Equal(20, round.Bad);
        Assert.Equal(20, round.Lost);
        // The round lasted the window (measured from the publish, which follows the arming by a few milliseconds).
        Assert.InRange(round.RoundMs, 500, 5000);
        Assert.Equal(silent.SetupMs + round.RoundMs, round.RunMs, 6);
    }

    [Fact]
    public async Task Clients_are_spread_over_every_host()
    {
        // Two independent servers (no cluster): a publish to the first reaches exactly the clients connected to it.
        await using JanusTestServer first = await JanusTestServer.StartAsync();
        await using JanusTestServer second = await JanusTestServer.StartAsync();
        var options = new BotOptions
        {
            Clients = 100,
            Hosts = [$"{first.TcpEndPoint},{second.TcpEndPoint}"],
            Timeout = TimeSpan.FromMilliseconds(500),
        };

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, null, CancellationToken.None);

        Assert.Equal(100, report.Subscribed);
        Assert.Equal(50, report.Rounds[0].Good);
        Assert.Equal(50, report.Rounds[0].Bad);
    }

    [Fact]
    public async Task Three_hundred_clients_over_two_worker_processes_are_all_good_against_Redis()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var options = new BotOptions
        {
            Clients = Clients,
            Workers = 2,
            Protocol = BotProtocol.Redis,
            Hosts = [redis.EndPoint.ToString()],
            Sources = ["127.0.0.2-127.0.0.3"],
            Rounds = 2,
            Throughput = 5,
            Quiet = true,
        };

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, null, CancellationToken.None);

        Assert.Equal("redis", report.Protocol);
        Assert.Equal(Clients, report.Subscribed);
        foreach (RoundReport round in report.Rounds)
        {
            Assert.Equal(Clients, round.Good);
            Assert.Equal(0, round.Bad);
            Assert.Equal(0, round.Lost);
            Assert.Equal(Clients * 5, round.Deliveries);
        }
    }

    [Fact]
    public async Task Redis_messages_dealt_over_seven_publishers_all_arrive()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var options = new BotOptions
        {
            Clients = 50,
            Protocol = BotProtocol.Redis,
            Hosts = [redis.EndPoint.ToString()],
            Rounds = 2,
            Throughput = 20,
            Publishers = 7,
            Quiet = true,
        };

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, null, CancellationToken.None);

        // 20 messages over 7 connections: 3, 3, 3, 3, 3, 3, 2, each publisher's answers counted before the next round.
        foreach (RoundReport round in report.Rounds)
        {
            Assert.Equal(50, round.Good);
            Assert.Equal(0, round.Lost);
            Assert.Equal(50 * 20, round.Deliveries);
        }
    }

    [Fact]
    public async Task The_last_progress_line_shows_the_setup_time_of_the_report()
    {
        // Regression: setup was taken after the progress display had written its last line, so the report said 513 ms
        // where the progress line said 0.3 s. Now both print the one figure, taken when the last worker was ready.
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new BotOptions { Clients = 50, Hosts = [server.TcpEndPoint!.ToString()], Rounds = 2, Interval = TimeSpan.Zero };
        var progressText = new StringWriter { NewLine = "\n" };
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(progressText),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
        });

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, console, CancellationToken.None);

        string setup = report.SetupMs.ToString("F2", CultureInfo.InvariantCulture);
        string last = progressText.ToString().TrimEnd('\n').Split('\n')[^1];
        Assert.Equal($"setup done: 50/50 subscribed, 50 connected, 0 failed, setup: {setup}ms", last);
        var output = new StringWriter { NewLine = "\n" };
        ReportWriter.WriteText(output, report);
        Assert.Equal(3, Regex.Count(output.ToString(), $"^setup: {Regex.Escape(setup)}ms, ", RegexOptions.Multiline));
        Assert.True(report.Rounds[0].WarmUp);
        Assert.Equal(report.SetupMs + report.Rounds[1].RoundMs, report.Rounds[1].RunMs, 6);
    }

    [Fact]
    public async Task A_server_that_is_not_there_fails_setup_quickly_instead_of_hanging()
    {
        var options = new BotOptions { Clients = 10, Hosts = ["127.0.0.1:1"], SetupTimeout = TimeSpan.FromSeconds(20) };

        var diagnostics = new StringWriter();
        int exitCode = await BotCommandLine.RunTestAsync(options, new StringWriter(), diagnostics, CancellationToken.None);

        Assert.NotEqual(0, exitCode);
    }

    [GeneratedRegex(@"^setup: \d+\.\d\dms, good: (?<good>\d+), bad: (?<bad>\d+), run: \d+\.\d\dms$", RegexOptions.Multiline)]
    private static partial Regex HeaderLine();
}
