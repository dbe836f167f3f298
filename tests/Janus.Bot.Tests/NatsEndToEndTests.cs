using Janus.Bot.Cli;
using Janus.Bot.Coordination;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Testing;

namespace Janus.Bot.Tests;

/// <summary>The bot against a real <c>nats-server</c> on a free loopback port, with real worker processes.</summary>
public sealed class NatsEndToEndTests
{
    private const int Clients = 300;

    [Fact]
    public async Task Three_hundred_clients_over_two_worker_processes_are_all_good_against_NATS_and_answer_its_heartbeats()
    {
        // The server pings every client every second and closes one with two pings unanswered ("Stale Connection"):
        // over the 4 s idle a client that did not answer PING would be cut (after ~3 s) and its rounds bad. A second,
        // not 250 ms: in a parallel test run a busy machine delayed the publisher's answer past 500 ms once.
        await using NatsServer nats = await NatsServer.StartAsync("ping_interval: \"1s\"\nping_max: 2\n");
        var options = new BotOptions
        {
            Clients = Clients,
            Workers = 2,
            Protocol = BotProtocol.Nats,
            Hosts = [nats.EndPoint.ToString()],
            Sources = ["127.0.0.2-127.0.0.3"],
            Rounds = 2,
            Topics = 3,
            Throughput = 5,
            Idle = TimeSpan.FromSeconds(4),
            Interval = TimeSpan.FromSeconds(1),
            Quiet = true,
        };

        BotReport report = await BotRun.RunAsync(options, TextWriter.Null, null, CancellationToken.None);

        Assert.Equal("nats", report.Protocol);
        Assert.Equal(Clients, report.Subscribed);
        Assert.Equal(0, report.SetupFailures);
        Assert.Equal(2, report.Rounds.Count);
        foreach (RoundReport round in report.Rounds)
        {
            Assert.Equal(Clients, round.Good);
            Assert.Equal(0, round.Bad);
            Assert.Equal(0, round.Lost);
            Assert.Equal(0, round.Disconnected);
            Assert.Equal(0, round.Errors);
            Assert.Equal(Clients * 5, round.Deliveries);
            Assert.Equal(Clients * 5, round.Latency.Count);
        }
    }
}
