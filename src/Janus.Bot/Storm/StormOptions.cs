using Janus.Bot.Cli;

namespace Janus.Bot.Storm;

/// <summary>
/// Everything <c>janus-bot storm</c> was asked to do (beside what it shares with <c>test</c>). Its topics are
/// <c>storm-0</c> … <c>storm-{T-1}</c>; client i holds topic i mod T and the next ones.
/// </summary>
internal sealed record StormOptions : FleetOptions
{
    public StormOptions() => Clients = 100;

    /// <summary>Topics each client holds (at most <see cref="FleetOptions.Topics"/>).</summary>
    public int TopicsPerClient { get; init; } = 1;

    /// <summary>Messages per second published, over all topics (round robin).</summary>
    public double Rate { get; init; } = 100;

    /// <summary>The share of subscribed clients each cut resets (0–1).</summary>
    public double CutFraction { get; init; } = 1;

    /// <summary>How many cuts (rounds).</summary>
    public int Cuts { get; init; } = 1;

    /// <summary>Live publishing before the first cut.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Live publishing between the end of a cut (all caught up) and the next.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a cut may take until every client has caught up; the rest are reported as not resumed.</summary>
    public TimeSpan CutTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a cut client stays away before reconnecting.</summary>
    public TimeSpan Outage { get; init; } = TimeSpan.Zero;

    /// <summary>Publish at least this long in all (e.g. to kill a node from outside meanwhile); 0: until the last cut is over.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.Zero;

    /// <summary>After the publisher stops, how long clients get to receive its last numbers.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A client comes back on the next host of the list (a node was killed), not its own.</summary>
    public bool ResumeOnNextHost { get; init; }

    /// <summary>Seeds who is cut when the fraction is below 1.</summary>
    public int Seed { get; init; } = 1;

    /// <inheritdoc />
    public override TimeSpan MaxRunTime =>
        SetupTimeout + Warmup + (Cuts * (CutTimeout + Interval + Outage + TimeSpan.FromSeconds(5))) + Duration + DrainTimeout + TimeSpan.FromSeconds(60);
}
