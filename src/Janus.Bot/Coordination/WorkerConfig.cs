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

    /// <summary>The worker exits by itself after this long, whatever happens to the coordinator.</summary>
    public long LifetimeMs { get; set; } = 600_000;
}
