using System.Text;
using Janus.Bot.Cli;
using Janus.Bot.Protocols;
using Janus.Bot.Workload;
using Janus.Protocol;
using Janus.Testing;

namespace Janus.Bot.Tests;

/// <summary>
/// <c>janus-bot workload</c> against real servers on free loopback ports (an in-process Janus, a redis-server), with
/// real worker processes: every message due to a connected client must arrive.
/// </summary>
public sealed class WorkloadTests
{
    [Fact]
    public async Task Three_hundred_clients_with_Zipf_interest_get_every_message_from_Janus()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new WorkloadOptions
        {
            Shape = WorkloadShape.Mixed,
            Clients = 300,
            Workers = 2,
            Hosts = [server.TcpEndPoint!.ToString()],
            Topics = 40,
            Rate = 200,
            Duration = TimeSpan.FromSeconds(2),
            Quiet = true,
        };

        var output = new StringWriter { NewLine = "\n" };
        var diagnostics = new StringWriter();
        int exitCode = await WorkloadCommand.RunAsync(options, output, diagnostics, CancellationToken.None);

        string text = output.ToString();
        Assert.True(exitCode == 0, text + diagnostics);
        Assert.Contains("setup failures: 0", text, StringComparison.Ordinal);
        Assert.Matches(@"\ndeliveries: (\d+), \d+/s; due to connected clients: \1, lost: 0\n", text);
        Assert.Contains("out of order: 0, errors: 0, dropped: 0, unaccountable: 0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Centrifugo_shape_with_churn_loses_nothing_to_connected_clients_of_Janus()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var options = new WorkloadOptions
        {
            Shape = WorkloadShape.Centrifugo,
            Clients = 300,
            Workers = 2,
            Hosts = [server.TcpEndPoint!.ToString()],
            Rate = 600,
            ChurnPerMinute = 1200,
            Linger = TimeSpan.FromMilliseconds(200),
            Duration = TimeSpan.FromSeconds(3),
            Quiet = true,
        };

        WorkloadReport report = await WorkloadRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        Assert.Equal(300, report.Subscribed);
        Assert.InRange(report.Published, 1_500, 1_900);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.OutOfOrder);
        Assert.Equal(0, report.Errors);
        Assert.Equal(0, report.Unaccountable);

        // 20 a second for 3 s: every one of them replaced but those still lingering at the end.
        Assert.InRange(report.Leaves, 50, 70);
        Assert.InRange(report.Joins, report.Leaves - 10, report.Leaves);
        Assert.Equal(0, report.JoinFailures);

        // Half the messages to one subscriber, half to ten: ~5.5 due each, fewer with clients away.
        Assert.InRange(report.MeanFanOut, 4.5, 6);
        Assert.True(report.Deliveries >= report.Due, $"{report.Deliveries} deliveries, {report.Due} due");
        Assert.Equal(report.Deliveries, report.Latency.Count);
        Assert.True(report.Clean);
    }

    [Fact]
    public async Task Redis_subscribers_of_several_topics_each_get_every_message()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        var options = new WorkloadOptions
        {
            Protocol = BotProtocol.Redis,
            Clients = 200,
            Hosts = [redis.EndPoint.ToString()],
            Topics = 30,
            MinTopicsPerClient = 3,
            MaxTopicsPerClient = 6,
            Rate = 200,
            Duration = TimeSpan.FromSeconds(2),
            Quiet = true,
        };

        WorkloadReport report = await WorkloadRun.RunAsync(options, TextWriter.Null, progress: null, CancellationToken.None);

        Assert.Equal(200, report.Subscribed);
        Assert.Equal(0, report.Lost);
        Assert.True(report.Due > 0 && report.Deliveries == report.Due, $"{report.Deliveries} deliveries, {report.Due} due");
        Assert.True(report.Clean);
    }

    [Fact]
    public async Task The_stamped_json_carries_the_flows_numbers_only_while_it_numbers()
    {
        byte[] topic = Encoding.UTF8.GetBytes(TestMessage.Quote("t"));
        byte[] buffer = new byte[256];
        ErlangTimestamp stamp = ErlangTimestamp.FromUnixMicroseconds(1_000_000);

        string plain = Encoding.UTF8.GetString(buffer, 0, TestMessage.WriteStampedDelivery(buffer, stamp, topic));
        Assert.Contains("\"message_id\":\"\"", plain, StringComparison.Ordinal);

        string[] numbered = await Task.Run(() =>
        {
            MessageNumbering.Begin();
            return Enumerable.Range(0, 2).Select(_ => Encoding.UTF8.GetString(buffer, 0, TestMessage.WriteStampedDelivery(buffer, stamp, topic))).ToArray();
        });
        Assert.Contains("\"message_id\":1,", numbered[0], StringComparison.Ordinal);
        Assert.Contains("\"message_id\":2,", numbered[1], StringComparison.Ordinal);

        // The numbering stayed in its flow.
        Assert.Null(MessageNumbering.Current);
    }
}
