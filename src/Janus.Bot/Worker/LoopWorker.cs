using System.Net;
using Janus.Bot.Coordination;
using Janus.Bot.Native;

namespace Janus.Bot.Worker;

/// <summary>
/// What a <c>storm</c> and a <c>workload</c> worker process do the same way: start their loops, say hello, then follow
/// the coordinator's lines: <c>connect</c> (setup, reported by <see cref="LoopSetup"/>) and <c>stop</c> here, every
/// other command in <see cref="HandleAsync"/>; stdin closing stops the loops and ends the worker with 1.
/// </summary>
internal abstract class LoopWorker<TLoop>(WorkerConfig config, Func<Task<ControlMessage?>> read, Action<ControlMessage> write, TextWriter log)
    where TLoop : ReceiveLoop
{
    private Task? _setup;

    protected WorkerConfig Config => config;

    protected Action<ControlMessage> Write => write;

    protected TextWriter Log => log;

    protected List<TLoop> Loops { get; } = [];

    /// <summary>Setup, once <c>connect</c> started it (commands that need every client set up wait for it first).</summary>
    protected Task Setup => _setup ?? Task.CompletedTask;

    public async Task<int> RunAsync()
    {
        try
        {
            StartLoops();
            write(new ControlMessage { Type = ControlMessage.HelloType });
            while (true)
            {
                ControlMessage? message = await read();
                if (message is null)
                {
                    await log.WriteLineAsync($"janus-bot worker {config.Index}: stdin closed; stopping");
                    await Task.WhenAll(Loops.Select(StopAsync));
                    return 1;
                }

                switch (message.Type)
                {
                    case ControlMessage.ConnectType:
                        _setup = LoopSetup.RunAsync(Loops, TimeSpan.FromMilliseconds(config.SetupTimeoutMs), write);
                        break;

                    case ControlMessage.StopType:
                        await Task.WhenAll(Loops.Select(StopAsync));
                        write(new ControlMessage { Type = ControlMessage.StoppedType });
                        return 0;

                    default:
                        if (!await HandleAsync(message))
                        {
                            throw new InvalidOperationException($"unknown command '{message.Type}'");
                        }

                        break;
                }
            }
        }
        finally
        {
            foreach (TLoop loop in Loops)
            {
                loop.Dispose();
            }
        }
    }

    /// <summary>The config's hosts as the loops connect to them.</summary>
    protected static SocketAddressV4[] Hosts(WorkerConfig config) =>
        config.Hosts.Select(h => IPEndPoint.Parse(h)).Select(e => new SocketAddressV4(e.Address, e.Port)).ToArray();

    /// <summary>The config's source addresses as the loops bind to them.</summary>
    protected static SocketAddressV4[] Sources(WorkerConfig config) =>
        config.Sources.Select(s => new SocketAddressV4(IPAddress.Parse(s), 0)).ToArray();

    /// <summary>Fills <see cref="Loops"/> with the worker's share of the clients.</summary>
    protected abstract void StartLoops();

    /// <summary>Ends one loop's sessions and its thread.</summary>
    protected abstract Task StopAsync(TLoop loop);

    /// <summary>Carries out a command of this worker's mode; false when the command is not one.</summary>
    protected abstract Task<bool> HandleAsync(ControlMessage message);
}
