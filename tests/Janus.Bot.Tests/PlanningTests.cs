using System.Net;
using Janus.Bot.Cli;
using Janus.Bot.Coordination;
using Janus.Bot.Worker;

namespace Janus.Bot.Tests;

/// <summary>How clients are spread over worker processes, servers, source addresses and topics.</summary>
public sealed class PlanningTests
{
    private static readonly IPEndPoint[] TwoNodes = [new(IPAddress.Loopback, 8081), new(IPAddress.Loopback, 8091)];

    [Fact]
    public void Forty_thousand_clients_need_three_workers_under_the_socket_limit()
    {
        var options = new BotOptions { Clients = 40_000 };
        IPAddress[] sources = [.. AddressList.ParseSources(["127.0.0.2-127.0.0.3"])];

        IReadOnlyList<WorkerConfig> plan = WorkerPlanner.Plan(options, TwoNodes, sources);

        Assert.Equal(3, plan.Count);
        Assert.All(plan, w => Assert.True(w.ClientCount <= BotOptions.DefaultClientsPerWorker));
        Assert.Equal(40_000, plan.Sum(w => w.ClientCount));
        Assert.Equal([0, plan[0].ClientCount, plan[0].ClientCount + plan[1].ClientCount], plan.Select(w => w.FirstClient));
        Assert.All(plan, w => Assert.Equal(["127.0.0.2", "127.0.0.3"], w.Sources));
    }

    [Fact]
    public void Asking_for_more_workers_splits_evenly()
    {
        IReadOnlyList<WorkerConfig> plan = WorkerPlanner.Plan(new BotOptions { Clients = 301, Workers = 2, ConnectConcurrency = 100 }, TwoNodes, []);

        Assert.Equal([151, 150], plan.Select(w => w.ClientCount));
        Assert.All(plan, w => Assert.Equal(50, w.ConnectConcurrency));
    }

    [Fact]
    public void Every_source_and_host_pair_gets_an_even_share()
    {
        var pairs = new Dictionary<(int, int), int>();
        var topics = new int[3];
        for (int client = 0; client < 40_000; client++)
        {
            (int host, int source, int topic) = ClientAssignment.For(client, hosts: 2, sources: 2, topics: 3);
            pairs[(host, source)] = pairs.GetValueOrDefault((host, source)) + 1;
            topics[topic]++;
        }

        Assert.Equal(4, pairs.Count);
        Assert.All(pairs.Values, n => Assert.InRange(n, 9_990, 10_010));
        Assert.All(topics, n => Assert.InRange(n, 13_333, 13_334));
    }

    [Fact]
    public void Source_ranges_expand()
    {
        Assert.Equal(
            ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.9"],
            AddressList.ParseSources(["127.0.0.1-127.0.0.3,127.0.0.9"]).Select(a => a.ToString()));
        Assert.Throws<FormatException>(() => AddressList.ParseSources(["127.0.0.3-127.0.0.1"]));
        Assert.Throws<FormatException>(() => AddressList.ParseSources(["::1"]));
    }

    [Fact]
    public void Hosts_take_a_default_port()
    {
        Assert.Equal(
            [new IPEndPoint(IPAddress.Loopback, 8081), new IPEndPoint(IPAddress.Parse("127.0.0.5"), 9000)],
            AddressList.ParseHosts(["127.0.0.1,127.0.0.5:9000"], 8081));
    }
}
