using System.Net;
using Janus.Bot.Coordination;
using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;

namespace Janus.Bot.Workload;

/// <summary>
/// A worker process's share of a workload in <see cref="WorkloadLoop"/>s, driven by the coordinator's lines (connect,
/// churn, drain, stop). Started by <see cref="WorkerHost"/> when the config's mode is <c>workload</c>.
/// </summary>
internal sealed class WorkloadWorker(WorkerConfig config, Func<Task<ControlMessage?>> read, Action<ControlMessage> write, TextWriter log)
{
    public const string Mode = "workload";

    private readonly List<WorkloadLoop> _loops = [];

    public async Task<int> RunAsync()
    {
        try
        {
            StartLoops();
            write(new ControlMessage { Type = ControlMessage.HelloType });
            Task? setup = null;
            TimeSpan cpuAtChurn = TimeSpan.Zero;
            while (true)
            {
                ControlMessage? message = await read();
                if (message is null)
                {
                    await log.WriteLineAsync($"janus-bot worker {config.Index}: stdin closed; stopping");
                    await Task.WhenAll(_loops.Select(l => l.StopAsync()));
                    return 1;
                }

                switch (message.Type)
                {
                    case ControlMessage.ConnectType:
                        setup = LoopSetup.RunAsync(_loops, TimeSpan.FromMilliseconds(config.SetupTimeoutMs), write);
                        break;

                    case ControlMessage.ChurnType:
                        if (setup is not null)
                        {
                            await setup;
                        }

                        cpuAtChurn = Environment.CpuUsage.TotalTime;
                        _loops.ForEach(l => l.StartChurn());
                        break;

                    case ControlMessage.DrainType:
                        _ = LoopSetup.ReplyWhenDoneAsync(
                            [.. _loops.Select(l => l.DrainAsync(message.DeadlineUs))],
                            parts => new ControlMessage
                            {
                                Type = ControlMessage.DrainedType,
                                Workload = WorkloadTally.Merge(parts),

                                // What receiving cost this process, from the publishing's start to the end of the drain.
                                CpuUs = (long)(Environment.CpuUsage.TotalTime - cpuAtChurn).TotalMicroseconds,
                            },
                            write);
                        break;

                    case ControlMessage.StopType:
                        await Task.WhenAll(_loops.Select(l => l.StopAsync()));
                        write(new ControlMessage { Type = ControlMessage.StoppedType });
                        return 0;

                    default:
                        throw new InvalidOperationException($"unknown command '{message.Type}'");
                }
            }
        }
        finally
        {
            foreach (WorkloadLoop loop in _loops)
            {
                loop.Dispose();
            }
        }
    }

    private void StartLoops()
    {
        WorkloadSpec spec = config.Workload ?? throw new InvalidOperationException("a workload worker's config has no workload");
        ClientProtocol protocol = ClientProtocol.For(Enum.Parse<BotProtocol>(config.Protocol, ignoreCase: true));
        SocketAddressV4[] hosts = config.Hosts.Select(h => IPEndPoint.Parse(h)).Select(e => new SocketAddressV4(e.Address, e.Port)).ToArray();
        SocketAddressV4[] sources = config.Sources.Select(s => new SocketAddressV4(IPAddress.Parse(s), 0)).ToArray();
        var topics = WorkloadTopics.For(spec);

        // Client i of this worker goes to loop i mod threads, as LoopSetup.Share deals them; its global number decides its topics.
        List<(int Host, int Source, int Topic)>[] shares = LoopSetup.Share(config, hosts.Length, sources.Length, topics: 1);
        for (int t = 0; t < shares.Length; t++)
        {
            int loop = t;
            (int Host, int Source, int Client)[] clients = [.. shares[t].Select((c, k) => (c.Host, c.Source, config.FirstClient + loop + (k * shares.Length)))];
            _loops.Add(new WorkloadLoop(
                $"worker {config.Index}/io {t}",
                protocol,
                clients,
                hosts,
                sources,
                topics,
                spec,
                spec.ChurnPerMinute * clients.Length / Math.Max(1, config.ClientCount),
                unchecked((spec.Seed * 1_000_003) + (config.Index * 101) + t),
                Math.Max(1, config.ConnectConcurrency / shares.Length),
                log));
        }
    }
}
