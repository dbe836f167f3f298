using Janus.Bot.Coordination;
using Janus.Bot.Native;
using Janus.Bot.Worker;

namespace Janus.Bot.Storm;

/// <summary>
/// A worker process's storm: its share of the clients in <see cref="StormLoop"/>s, driven by the coordinator's lines
/// (connect, cut, drain, stop). Started by <see cref="WorkerHost"/> when the config's mode is <c>storm</c>.
/// </summary>
internal sealed class StormWorker(WorkerConfig config, Func<Task<ControlMessage?>> read, Action<ControlMessage> write, TextWriter log)
    : LoopWorker<StormLoop>(config, read, write, log)
{
    public const string Mode = "storm";

    protected override async Task<bool> HandleAsync(ControlMessage message)
    {
        switch (message.Type)
        {
            case ControlMessage.CutType:
                await Setup;
                _ = LoopSetup.ReplyWhenDoneAsync(Loops.Select((l, i) => l.CutAsync(message.Round, message.Fraction, Seed(message, i), message.DeadlineUs)).ToArray(),
                    parts => new ControlMessage { Type = ControlMessage.CutDoneType, Round = message.Round, Episode = StormEpisodeTally.Merge(message.Round, parts) },
                    Write);
                return true;

            case ControlMessage.DrainType:
                long[] final = message.FinalSequences ?? [];
                _ = LoopSetup.ReplyWhenDoneAsync(Loops.Select(l => l.DrainAsync(final, message.DeadlineUs)).ToArray(),
                    parts => new ControlMessage { Type = ControlMessage.DrainedType, Storm = StormTally.Merge(parts) },
                    Write);
                return true;

            default:
                return false;
        }
    }

    protected override Task StopAsync(StormLoop loop) => loop.StopAsync();

    protected override void StartLoops()
    {
        SocketAddressV4[] hosts = Hosts(Config);
        SocketAddressV4[] sources = Sources(Config);
        string[] topics = StormTopics.Names(Config.Topics);
        List<(int Host, int Source, int Topic)>[] shares = LoopSetup.Share(Config, hosts.Length, sources.Length, topics.Length);
        for (int t = 0; t < shares.Length; t++)
        {
            Loops.Add(new StormLoop(
                $"worker {Config.Index}/io {t}",
                shares[t],
                hosts,
                sources,
                topics,
                Config.TopicsPerClient,
                Math.Max(1, Config.ConnectConcurrency / shares.Length),
                Config.ResumeOnNextHost,
                TimeSpan.FromMilliseconds(Config.OutageMs),
                Log));
        }
    }

    /// <summary>A different choice of who is cut per round, worker and thread, the same for the same <c>--seed</c>.</summary>
    private int Seed(ControlMessage cut, int loop) => unchecked((cut.Seed * 1_000_003) + (cut.Round * 10_007) + (Config.Index * 101) + loop);
}
