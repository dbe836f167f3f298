using System.Net;
using Janus.Bot.Cli;
using Janus.Bot.Protocols;

namespace Janus.Bot.Coordination;

/// <summary>Splits the clients over worker processes: as few as the per-process socket limit allows, evenly.</summary>
internal static class WorkerPlanner
{
    public static IReadOnlyList<WorkerConfig> Plan(FleetOptions options, IReadOnlyList<IPEndPoint> hosts, IReadOnlyList<IPAddress> sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(sources);
        int perWorker = Math.Max(1, options.ClientsPerWorker);
        int workers = Math.Max(Math.Max(1, options.Workers), (int)Math.Ceiling(options.Clients / (double)perWorker));
        workers = Math.Min(workers, Math.Max(1, options.Clients));
        var plan = new List<WorkerConfig>(workers);
        int first = 0;
        for (int w = 0; w < workers; w++)
        {
            int count = (options.Clients / workers) + (w < options.Clients % workers ? 1 : 0);
            plan.Add(new WorkerConfig
            {
                Index = w,
                Protocol = (options is BotOptions test ? test.Protocol : BotProtocol.Janus).ToString().ToLowerInvariant(),
                FirstClient = first,
                ClientCount = count,
                Hosts = hosts.Select(h => h.ToString()).ToArray(),
                Sources = sources.Select(s => s.ToString()).ToArray(),
                Topics = Math.Max(1, options.Topics),
                IoThreads = Math.Max(1, options.IoThreads),
                ConnectConcurrency = Math.Max(1, options.ConnectConcurrency / workers),
                SetupTimeoutMs = (int)options.SetupTimeout.TotalMilliseconds,
                LifetimeMs = (long)options.MaxRunTime.TotalMilliseconds + 30_000,
            });
            first += count;
        }

        return plan;
    }
}
