using Janus.Bot.Cli;
using Janus.Bot.Protocols;

namespace Janus.Bot.Workload;

/// <summary>Everything <c>janus-bot workload</c> was asked to do (beside what it shares with <c>test</c> and <c>storm</c>).</summary>
internal sealed record WorkloadOptions : FleetOptions
{
    /// <summary>The longest a run may publish: a benchmark, not a soak.</summary>
    public const double MaxDurationSeconds = 600;

    public WorkloadOptions()
    {
        Clients = 19_000;
        Topics = 1000;
    }

    public WorkloadShape Shape { get; init; } = WorkloadShape.Mixed;

    public BotProtocol Protocol { get; init; } = BotProtocol.Janus;

    /// <summary>Mixed: the fewest and most topics a client holds (its count uniform in between).</summary>
    public int MinTopicsPerClient { get; init; } = 1;

    public int MaxTopicsPerClient { get; init; } = 10;

    /// <summary>Mixed: Zipf's exponent over topic rank.</summary>
    public double Exponent { get; init; } = 1;

    /// <summary>Messages per second over all topics.</summary>
    public double Rate { get; init; } = DefaultRate(WorkloadShape.Mixed);

    /// <summary>Publisher connections (a topic always goes through the same one).</summary>
    public int Publishers { get; init; } = 4;

    /// <summary>How long to publish.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Centrifugo: clients per group topic.</summary>
    public int GroupSize { get; init; } = 10;

    /// <summary>Centrifugo: the share of messages to personal topics.</summary>
    public double PersonalShare { get; init; } = 0.5;

    /// <summary>Clients leaving (each replaced by a newcomer) per minute, over the run.</summary>
    public double ChurnPerMinute { get; init; }

    /// <summary>How long a leaving client still reads before it closes.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After publishing stops, the longest the clients get to receive what is in flight.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int Seed { get; init; } = 1;

    /// <inheritdoc />
    public override TimeSpan MaxRunTime => SetupTimeout + Duration + Linger + DrainTimeout + TimeSpan.FromSeconds(60);

    /// <summary>
    /// The default rate: mixed 100 msg/s (with 19,000 clients holding 5.5 Zipf-drawn topics of 1,000, a message has
    /// ~2,450 subscribers: ~245,000 deliveries/s); Centrifugo 2,000 msg/s (5.5 subscribers a message on average, ~0.6
    /// deliveries per client per second at 19,000 clients, about Centrifugo's own test's per connection).
    /// </summary>
    public static double DefaultRate(WorkloadShape shape) => shape == WorkloadShape.Mixed ? 100 : 2000;

    /// <summary>The default churn: none for mixed, 1,500 clients a minute for Centrifugo's shape.</summary>
    public static double DefaultChurn(WorkloadShape shape) => shape == WorkloadShape.Mixed ? 0 : 1500;

    /// <summary>The spec every process derives topics from, with <paramref name="churnPerMinute"/> (a worker's share).</summary>
    public WorkloadSpec Spec(double churnPerMinute) => new()
    {
        Shape = Shape,
        Clients = Clients,
        Topics = Topics,
        MinTopicsPerClient = MinTopicsPerClient,
        MaxTopicsPerClient = MaxTopicsPerClient,
        Exponent = Exponent,
        GroupSize = GroupSize,
        PersonalShare = PersonalShare,
        Seed = Seed,
        ChurnPerMinute = churnPerMinute,
        LingerMs = (int)Linger.TotalMilliseconds,
    };
}
