using Janus.Bot.Workload;

namespace Janus.Bot.Coordination;

/// <summary>What the coordinator tells a worker process: its share of the clients and how to run them.</summary>
internal sealed class WorkerConfig
{
    public int Index { get; set; }

    public string Protocol { get; set; } = "janus";

    /// <summary>The global index of this worker's first client; client i's host, source and topic derive from it.</summary>
    public int FirstClient { get; set; }

    public int ClientCount { get; set; }

    /// <summary>IPv4 endpoints, <c>address:port</c>.</summary>
    public string[] Hosts { get; set; } = [];

    /// <summary>Local IPv4 addresses to connect from; empty lets the kernel choose.</summary>
    public string[] Sources { get; set; } = [];

    public int Topics { get; set; } = 1;

    public int IoThreads { get; set; } = 1;

    /// <summary>Connections in progress (not yet subscribed) at once, over all of this worker's threads.</summary>
    public int ConnectConcurrency { get; set; } = 256;

    public int SetupTimeoutMs { get; set; } = 120_000;

    /// <summary><c>test</c> (the classic bot), <c>storm</c> (reconnect storm) or <c>workload</c> (steady rate).</summary>
    public string Mode { get; set; } = "test";

    /// <summary>Storm: topics each client holds, from its own (client i: topic i mod T) on.</summary>
    public int TopicsPerClient { get; set; } = 1;

    /// <summary>Storm: a client comes back on the next host of the list instead of its own.</summary>
    public bool ResumeOnNextHost { get; set; }

    /// <summary>Storm: how long a cut client stays away before reconnecting.</summary>
    public int OutageMs { get; set; }

    /// <summary>Workload: its shape, topics and churn (this worker's share).</summary>
    public WorkloadSpec? Workload { get; set; }

    /// <summary>The worker exits by itself after this long, whatever happens to the coordinator.</summary>
    public long LifetimeMs { get; set; } = 600_000;
}
