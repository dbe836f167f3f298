namespace Janus.Bot.Cli;

/// <summary>
/// What <c>test</c> and <c>storm</c> are both asked: how many clients, which servers, from which addresses, in how
/// many worker processes and threads, and how the report is printed.
/// </summary>
internal abstract record FleetOptions
{
    /// <summary>One bot process holds at most this many sockets: the fd hard limit is 20,000, less the runtime's own.</summary>
    public const int DefaultClientsPerWorker = 19_000;

    public int Clients { get; init; } = 1;

    /// <summary><c>host:port</c> of every server; client i goes to host i mod H.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = ["localhost:8081"];

    /// <summary>Where publishes go; defaults to the first host.</summary>
    public string? PublishTo { get; init; }

    public int Topics { get; init; } = 1;

    public bool Json { get; init; }

    public bool Quiet { get; init; }

    /// <summary>Local addresses to connect from (127.0.0.1, 127.0.0.2, …); empty lets the kernel choose.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>At least this many worker processes; 0 picks as few as the fd limit allows.</summary>
    public int Workers { get; init; }

    public int ClientsPerWorker { get; init; } = DefaultClientsPerWorker;

    public int IoThreads { get; init; } = 1;

    /// <summary>Connects in progress (not yet subscribed, or a storm's comebacks) at once, over all workers.</summary>
    public int ConnectConcurrency { get; init; } = 512;

    public TimeSpan SetupTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The longest the whole run may take before it is cut: every phase's own bound, plus slack.</summary>
    public abstract TimeSpan MaxRunTime { get; }
}
