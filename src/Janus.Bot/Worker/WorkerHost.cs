using System.Net;
using System.Text.Json;
using Janus.Bot.Coordination;
using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Storm;
using Janus.Bot.Workload;

namespace Janus.Bot.Worker;

/// <summary>
/// The hidden <c>janus-bot worker</c> command: holds a share of the clients in receive loops and follows the
/// coordinator's JSON lines on stdin (config, connect, arm, stop), answering on stdout. It exits when told to, when
/// stdin closes (the coordinator is gone), or when its lifetime runs out: a worker never outlives its run.
/// </summary>
internal sealed class WorkerHost
{
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly TextWriter _log;
    private readonly Lock _writeLock = new();
    private readonly List<TestLoop> _loops = [];
    private WorkerConfig _config = new();

    public WorkerHost(TextReader input, TextWriter output, TextWriter log)
    {
        _input = input;
        _output = output;
        _log = log;
    }

    public async Task<int> RunAsync()
    {
        try
        {
            ControlMessage? first = await ReadAsync();
            if (first?.Type != ControlMessage.ConfigType || first.Config is null)
            {
                await _log.WriteLineAsync("janus-bot worker: expected a config line on stdin");
                return 2;
            }

            _config = first.Config;
            using var lifetime = new Timer(_ => Expire(), null, TimeSpan.FromMilliseconds(_config.LifetimeMs), Timeout.InfiniteTimeSpan);
            if (_config.Mode == StormWorker.Mode)
            {
                return await new StormWorker(_config, ReadAsync, Write, _log).RunAsync();
            }

            if (_config.Mode == WorkloadWorker.Mode)
            {
                return await new WorkloadWorker(_config, ReadAsync, Write, _log).RunAsync();
            }

            StartLoops();
            Write(new ControlMessage { Type = ControlMessage.HelloType });
            return await FollowAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or JsonException or ArgumentException)
        {
            await _log.WriteLineAsync($"janus-bot worker {_config.Index}: {ex.Message}");
            Write(new ControlMessage { Type = ControlMessage.ErrorType, Message = ex.Message });
            return 1;
        }
        finally
        {
            foreach (TestLoop loop in _loops)
            {
                loop.Dispose();
            }
        }
    }

    private void Expire()
    {
        _log.WriteLine($"janus-bot worker {_config.Index}: lifetime of {_config.LifetimeMs} ms is over; exiting");
        Environment.Exit(3);
    }

    private void StartLoops()
    {
        ClientProtocol protocol = ClientProtocol.For(Enum.Parse<BotProtocol>(_config.Protocol, ignoreCase: true));
        SocketAddressV4[] hosts = _config.Hosts.Select(ParseEndPoint).ToArray();
        SocketAddressV4[] sources = _config.Sources.Select(s => new SocketAddressV4(IPAddress.Parse(s), 0)).ToArray();
        string[] topics = Enumerable.Range(0, Math.Max(1, _config.Topics)).Select(t => TestMessage.Topic(t, _config.Topics)).ToArray();
        List<(int Host, int Source, int Topic)>[] shares = LoopSetup.Share(_config, hosts.Length, sources.Length, topics.Length);
        for (int t = 0; t < shares.Length; t++)
        {
            int inFlight = Math.Max(1, _config.ConnectConcurrency / shares.Length);
            _loops.Add(new TestLoop($"worker {_config.Index}/io {t}", protocol, shares[t], hosts, sources, topics, inFlight, _log));
        }
    }

    private async Task<int> FollowAsync()
    {
        Task? setup = null;
        long lateAfterLastRound = 0, duplicatesAfterLastRound = 0;
        while (true)
        {
            ControlMessage? message = await ReadAsync();
            if (message is null)
            {
                await _log.WriteLineAsync($"janus-bot worker {_config.Index}: stdin closed; stopping");
                await StopLoopsAsync();
                return 1;
            }

            switch (message.Type)
            {
                case ControlMessage.ConnectType:
                    setup = LoopSetup.RunAsync(_loops, TimeSpan.FromMilliseconds(_config.SetupTimeoutMs), Write);
                    break;

                case ControlMessage.ArmType:
                    if (setup is not null)
                    {
                        await setup;
                    }

                    Environment.ProcessCpuUsage cpuAtArm = Environment.CpuUsage;
                    Task<(RoundTally, LatencyRecorder)>[] rounds = _loops.Select(l => l.ArmAsync(message.Round, message.ExpectedPerClient, message.NotBeforeUs, message.DeadlineUs)).ToArray();
                    Write(new ControlMessage { Type = ControlMessage.ArmedType, Round = message.Round });
                    _ = ReportRoundAsync(rounds, cpuAtArm);
                    break;

                case ControlMessage.ReconnectType:
                    if (setup is not null)
                    {
                        await setup;
                    }

                    setup = ReconnectAsync();
                    break;

                case ControlMessage.StopType:
                    (lateAfterLastRound, duplicatesAfterLastRound) = await StopLoopsAsync();
                    Write(new ControlMessage { Type = ControlMessage.StoppedType, Late = lateAfterLastRound, Duplicates = duplicatesAfterLastRound });
                    return 0;

                default:
                    throw new InvalidOperationException($"unknown command '{message.Type}'");
            }
        }
    }

    /// <summary>The plain reconnect storm: every loop resets its clients at once; <c>ready</c> carries the merged tally.</summary>
    private Task ReconnectAsync()
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(_config.SetupTimeoutMs);
        Task<StormEpisodeTally>[] parts = [];
        return LoopSetup.ReportAsync(
            _loops,
            () =>
            {
                parts = _loops.Select(l => l.ReconnectAsync(timeout)).ToArray();
                return Task.WhenAll(parts);
            },
            Write,
            ready => ready.Episode = StormEpisodeTally.Merge(1, parts.Select(p => p.Result).ToArray()));
    }

    private async Task ReportRoundAsync(Task<(RoundTally Tally, LatencyRecorder Latency)>[] rounds, Environment.ProcessCpuUsage cpuAtArm)
    {
        try
        {
            (RoundTally Tally, LatencyRecorder Latency)[] parts = await Task.WhenAll(rounds);

            // The round's cost to this process, before the histograms are encoded for the coordinator.
            Environment.ProcessCpuUsage cpu = Environment.CpuUsage;
            foreach ((RoundTally tally, LatencyRecorder latency) in parts)
            {
                tally.Latency = latency.ToStats();
            }

            RoundTally merged = RoundTally.Merge(parts.Select(p => p.Tally).ToArray());
            merged.BotCpuUs = (long)(cpu.TotalTime - cpuAtArm.TotalTime).TotalMicroseconds;
            merged.BotSystemCpuUs = (long)(cpu.PrivilegedTime - cpuAtArm.PrivilegedTime).TotalMicroseconds;
            Write(new ControlMessage { Type = ControlMessage.ResultType, Round = merged.Round, Tally = merged });
        }
        catch (IOException ex)
        {
            Write(new ControlMessage { Type = ControlMessage.ErrorType, Message = ex.Message });
        }
    }

    private async Task<(long Late, long Duplicates)> StopLoopsAsync()
    {
        long late = 0, duplicates = 0;
        foreach ((long Late, long Duplicates) counts in await Task.WhenAll(_loops.Select(l => l.StopAsync())))
        {
            late += counts.Late;
            duplicates += counts.Duplicates;
        }

        return (late, duplicates);
    }

    private async Task<ControlMessage?> ReadAsync()
    {
        string? line = await _input.ReadLineAsync();
        return line is null ? null : JsonSerializer.Deserialize(line, BotJsonContext.Default.ControlMessage);
    }

    private void Write(ControlMessage message)
    {
        string line = JsonSerializer.Serialize(message, BotJsonContext.Default.ControlMessage);
        lock (_writeLock)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private static SocketAddressV4 ParseEndPoint(string text)
    {
        IPEndPoint endPoint = IPEndPoint.Parse(text);
        return new SocketAddressV4(endPoint.Address, endPoint.Port);
    }
}
