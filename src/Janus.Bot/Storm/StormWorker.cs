using System.Net;
using Janus.Bot.Coordination;
using Janus.Bot.Native;
using Janus.Bot.Worker;

namespace Janus.Bot.Storm;

/// <summary>
/// A worker process's storm: its share of the clients in <see cref="StormLoop"/>s, driven by the coordinator's lines
/// (connect, cut, drain, stop). Started by <see cref="WorkerHost"/> when the config's mode is <c>storm</c>.
/// </summary>
internal sealed class StormWorker(WorkerConfig config, Func<Task<ControlMessage?>> read, Action<ControlMessage> write, TextWriter log)
{
    public const string Mode = "storm";

    private readonly List<StormLoop> _loops = [];

    public async Task<int> RunAsync()
    {
        try
        {
            StartLoops();
            write(new ControlMessage { Type = ControlMessage.HelloType });
            Task? setup = null;
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

                    case ControlMessage.CutType:
                        if (setup is not null)
                        {
                            await setup;
                        }

                        _ = LoopSetup.ReplyWhenDoneAsync(_loops.Select((l, i) => l.CutAsync(message.Round, message.Fraction, Seed(message, i), message.DeadlineUs)).ToArray(),
                            parts => new ControlMessage { Type = ControlMessage.CutDoneType, Round = message.Round, Episode = StormEpisodeTally.Merge(message.Round, parts) },
                            write);
                        break;

                    case ControlMessage.DrainType:
                        long[] final = message.FinalSequences ?? [];
                        _ = LoopSetup.ReplyWhenDoneAsync(_loops.Select(l => l.DrainAsync(final, message.DeadlineUs)).ToArray(),
                            parts => new ControlMessage { Type = ControlMessage.DrainedType, Storm = StormTally.Merge(parts) },
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
            foreach (StormLoop loop in _loops)
            {
                loop.Dispose();
            }
        }
    }

    /// <summary>A different choice of who is cut per round, worker and thread, the same for the same <c>--seed</c>.</summary>
    private int Seed(ControlMessage cut, int loop) => unchecked((cut.Seed * 1_000_003) + (cut.Round * 10_007) + (config.Index * 101) + loop);

    private void StartLoops()
    {
        SocketAddressV4[] hosts = config.Hosts.Select(h => IPEndPoint.Parse(h)).Select(e => new SocketAddressV4(e.Address, e.Port)).ToArray();
        SocketAddressV4[] sources = config.Sources.Select(s => new SocketAddressV4(IPAddress.Parse(s), 0)).ToArray();
        string[] topics = StormTopics.Names(config.Topics);
        List<(int Host, int Source, int Topic)>[] shares = LoopSetup.Share(config, hosts.Length, sources.Length, topics.Length);
        for (int t = 0; t < shares.Length; t++)
        {
            _loops.Add(new StormLoop(
                $"worker {config.Index}/io {t}",
                shares[t],
                hosts,
                sources,
                topics,
                config.TopicsPerClient,
                Math.Max(1, config.ConnectConcurrency / shares.Length),
                config.ResumeOnNextHost,
                TimeSpan.FromMilliseconds(config.OutageMs),
                log));
        }
    }
}
