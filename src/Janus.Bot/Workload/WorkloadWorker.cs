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
    : LoopWorker<WorkloadLoop>(config, read, write, log)
{
    public const string Mode = "workload";

    private TimeSpan _cpuAtChurn = TimeSpan.Zero;

    protected override async Task<bool> HandleAsync(ControlMessage message)
    {
        switch (message.Type)
        {
            case ControlMessage.ChurnType:
                await Setup;
                _cpuAtChurn = Environment.CpuUsage.TotalTime;
                Loops.ForEach(l => l.StartChurn());
                return true;

            case ControlMessage.DrainType:
                TimeSpan cpuAtChurn = _cpuAtChurn;
                _ = LoopSetup.ReplyWhenDoneAsync(
                    [.. Loops.Select(l => l.DrainAsync(message.DeadlineUs))],
                    parts => new ControlMessage
                    {
                        Type = ControlMessage.DrainedType,
                        Workload = WorkloadTally.Merge(parts),

                        // What receiving cost this process, from the publishing's start to the end of the drain.
                        CpuUs = (long)(Environment.CpuUsage.TotalTime - cpuAtChurn).TotalMicroseconds,
                    },
                    Write);
                return true;

            default:
                return false;
        }
    }

    protected override Task StopAsync(WorkloadLoop loop) => loop.StopAsync();

    protected override void StartLoops()
    {
        WorkloadSpec spec = Config.Workload ?? throw new InvalidOperationException("a workload worker's config has no workload");
        ClientProtocol protocol = ClientProtocol.For(Enum.Parse<BotProtocol>(Config.Protocol, ignoreCase: true));
        SocketAddressV4[] hosts = Hosts(Config);
        SocketAddressV4[] sources = Sources(Config);
        var topics = WorkloadTopics.For(spec);

        // Client i of this worker goes to loop i mod threads, as LoopSetup.Share deals them; its global number decides its topics.
        List<(int Host, int Source, int Topic)>[] shares = LoopSetup.Share(Config, hosts.Length, sources.Length, topics: 1);
        for (int t = 0; t < shares.Length; t++)
        {
            int loop = t;
            (int Host, int Source, int Client)[] clients = [.. shares[t].Select((c, k) => (c.Host, c.Source, Config.FirstClient + loop + (k * shares.Length)))];
            Loops.Add(new WorkloadLoop(
                $"worker {Config.Index}/io {t}",
                protocol,
                clients,
                hosts,
                sources,
                topics,
                spec,
                spec.ChurnPerMinute * clients.Length / Math.Max(1, Config.ClientCount),
                unchecked((spec.Seed * 1_000_003) + (Config.Index * 101) + t),
                Math.Max(1, Config.ConnectConcurrency / shares.Length),
                Log));
        }
    }
}
