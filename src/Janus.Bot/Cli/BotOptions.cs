using Janus.Bot.Protocols;

namespace Janus.Bot.Cli;

/// <summary>Everything <c>janus-bot test</c> was asked to do.</summary>
internal sealed record BotOptions
{
    /// <summary>One bot process holds at most this many sockets: the fd hard limit is 20,000, less the runtime's own.</summary>
    public const int DefaultClientsPerWorker = 19_000;

    public int Clients { get; init; } = 1;

    /// <summary><c>host:port</c> of every server; clients are spread over them.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = ["localhost:8081"];

    /// <summary>Where publishes go; defaults to the first host.</summary>
    public string? PublishTo { get; init; }

    public BotProtocol Protocol { get; init; } = BotProtocol.Janus;

    public int Rounds { get; init; } = 1;

    /// <summary>Messages published back to back per topic per round; 0 is the original's single message.</summary>
    public int Throughput { get; init; }

    public int Topics { get; init; } = 1;

    public bool Json { get; init; }

    public bool Quiet { get; init; }

    /// <summary>Local addresses to connect from (127.0.0.1, 127.0.0.2, …); empty lets the kernel choose.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>At least this many worker processes; 0 picks as few as the fd limit allows.</summary>
    public int Workers { get; init; }

    public int ClientsPerWorker { get; init; } = DefaultClientsPerWorker;

    public int IoThreads { get; init; } = 1;

    /// <summary>Connects in progress (not yet subscribed) at once, over all workers.</summary>
    public int ConnectConcurrency { get; init; } = 512;

    /// <summary>How long a client waits for its messages once a round starts; the original's 5 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan SetupTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Time to hold every client connected and idle after setup, before the first round.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.Zero;

    /// <summary>Pause between rounds.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    public int MessagesPerRound => Throughput > 0 ? Throughput : 1;

    /// <summary>The longest the whole run may take before it is cut: every phase's own bound, plus slack.</summary>
    public TimeSpan MaxRunTime =>
        SetupTimeout + Idle + (Rounds * (Timeout + Interval + TimeSpan.FromSeconds(15))) + TimeSpan.FromSeconds(30);
}
