using System.CommandLine;
using Janus.Bot.Coordination;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Worker;

namespace Janus.Bot.Cli;

/// <summary>The <c>janus-bot</c> command line: <c>test</c>, and the hidden <c>worker</c> the coordinator starts.</summary>
internal static class BotCommandLine
{
    public static RootCommand Build()
    {
        var fleet = new FleetOptionSet("Number of clients (the original's N).", clientsDefault: 1, "Connections being set up at once, over all workers.");
        var port = new Option<int?>("--port", "-p") { Description = "Server port (default 8081 for janus, 8080 for websocket, 6379 for redis, 4222 for nats)." };
        var protocol = new Option<BotProtocol>("--protocol") { Description = "janus, websocket (the Janus protocol over /ws on the HTTP port; publishes still go to the TCP port, 8081 unless --publish-to), redis (RESP SUBSCRIBE/PUBLISH) or nats (SUB/PUB), the last two with the same timestamped JSON.", DefaultValueFactory = _ => BotProtocol.Janus };
        var rounds = new Option<int>("--rounds", "-r") { Description = "Publish this many times; each round is reported, then a summary.", DefaultValueFactory = _ => 1 };
        var publishers = new Option<int>("--publishers") { Description = "redis: publish each round over this many connections at once, its messages dealt over them in turn (janus publishes each message on a connection of its own, as the original bot did).", DefaultValueFactory = _ => 1 };
        var throughput = new Option<int>("--throughput", "-k") { Description = "Publish K messages back to back per round (per topic) and report deliveries/s." };
        var topics = new Option<int>("--topics", "-t") { Description = "Spread the clients over T topics (events-0 … events-T-1).", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds a client waits for its messages once a round starts (the original's 5).", DefaultValueFactory = _ => 5 };
        var idle = new Option<double>("--idle") { Description = "Seconds to hold all clients idle after setup, before the first round (e.g. to sample the server's memory)." };
        var interval = new Option<double>("--interval") { Description = "Seconds between rounds.", DefaultValueFactory = _ => 0.5 };
        var reconnectStorm = new Option<bool>("--reconnect-storm") { Description = "After setup, reset every connection at once and reconnect and subscribe every client again (no resume); report the time until all are subscribed again, then run the rounds." };
        FleetOptionSet.MustBePositive(rounds, topics);

        var test = new Command("test", "Run the original bot's test: N clients subscribe to 'events', one message is published, each client measures its latency.")
        {
            fleet.Clients, fleet.Host, port, fleet.Hosts, fleet.PublishTo, protocol, rounds, throughput, publishers, topics, fleet.Json, fleet.Quiet,
            fleet.Sources, fleet.Workers, fleet.ClientsPerWorker, fleet.IoThreads, fleet.ConnectConcurrency, timeout, fleet.SetupTimeout, idle, interval,
            reconnectStorm,
        };
        test.SetAction(async (result, cancellationToken) =>
        {
            BotProtocol chosen = result.GetValue(protocol);
            var options = new BotOptions
            {
                Protocol = chosen,
                Rounds = result.GetValue(rounds),
                Throughput = Math.Max(0, result.GetValue(throughput)),
                Publishers = Math.Max(1, result.GetValue(publishers)),
                Topics = result.GetValue(topics),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
                Idle = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(idle))),
                Interval = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(interval))),
                ReconnectStorm = result.GetValue(reconnectStorm),
            };
            int chosenPort = result.GetValue(port) ?? BotProtocolPorts.Default(chosen);
            return await RunTestAsync(fleet.Read(result, options, chosenPort), Console.Out, Console.Error, cancellationToken);
        });

        var worker = new Command("worker", "Internal: one worker process of a test, driven over stdin/stdout.") { Hidden = true };
        worker.SetAction(async (_, _) =>
        {
            using var input = new StreamReader(Console.OpenStandardInput());
            using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            TextWriter log = TextWriter.Synchronized(Console.Error);
            return await new WorkerHost(input, output, log).RunAsync();
        });

        return new RootCommand("janus-bot: the load-test bot of the original Janus, for Janus, Redis and NATS pub/sub.") { test, StormCommand.Build(), WorkloadCommand.Build(), worker };
    }

    /// <summary>Runs a test and prints its report; the exit code is 0 only when every client was good in every round.</summary>
    public static Task<int> RunTestAsync(BotOptions options, TextWriter output, TextWriter diagnostics, CancellationToken cancellationToken) =>
        FleetOptionSet.RunAsync(
            options,
            progress => BotRun.RunAsync(options, diagnostics, progress, cancellationToken),
            BotReportJsonContext.Default.BotReport,
            ReportWriter.WriteText,
            report => report.Rounds.All(r => r.Bad == 0),
            output,
            diagnostics,
            cancellationToken);
}
