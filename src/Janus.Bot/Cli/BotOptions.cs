using Janus.Bot.Protocols;

namespace Janus.Bot.Cli;

/// <summary>Everything <c>janus-bot test</c> was asked to do (beside what it shares with <c>storm</c>).</summary>
internal sealed record BotOptions : FleetOptions
{
    public BotProtocol Protocol { get; init; } = BotProtocol.Janus;

    public int Rounds { get; init; } = 1;

    /// <summary>Messages published back to back per topic per round; 0 is the original's single message.</summary>
    public int Throughput { get; init; }

    /// <summary>Redis: publish over this many connections at once (Janus always uses a connection per message).</summary>
    public int Publishers { get; init; } = 1;

    /// <summary>How long a client waits for its messages once a round starts; the original's 5 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to hold every client connected and idle after setup, before the first round.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.Zero;

    /// <summary>Pause between rounds.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After setup (and the idle hold), reset every connection at once and set every client up again as at setup
    /// (connect, greet, subscribe: no resume), timed until all are subscribed again; then the rounds.
    /// </summary>
    public bool ReconnectStorm { get; init; }

    public int MessagesPerRound => Throughput > 0 ? Throughput : 1;

    /// <inheritdoc />
    public override TimeSpan MaxRunTime =>
        SetupTimeout + (ReconnectStorm ? SetupTimeout : TimeSpan.Zero) + Idle + (Rounds * (Timeout + Interval + TimeSpan.FromSeconds(15))) + TimeSpan.FromSeconds(30);
}
