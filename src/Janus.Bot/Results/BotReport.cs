using Janus.Bot.Coordination;
using Janus.Bot.Storm;

namespace Janus.Bot.Results;

/// <summary>Everything one <c>janus-bot test</c> run measured; <c>--json</c> prints this.</summary>
internal sealed class BotReport : ISetupReport
{
    public string Protocol { get; set; } = "janus";

    public long Clients { get; set; }

    public int Workers { get; set; }

    public IReadOnlyList<string> Hosts { get; set; } = [];

    public IReadOnlyList<string> Sources { get; set; } = [];

    public int Topics { get; set; }

    /// <summary>Messages published per topic per round (1 unless <c>--throughput</c>).</summary>
    public int MessagesPerRound { get; set; }

    public double TimeoutMs { get; set; }

    /// <summary>
    /// Setup: from the go signal to every client subscribed (or failed), taken when the last worker reports ready;
    /// the progress display's last line shows the same figure.
    /// </summary>
    public double SetupMs { get; set; }

    public long Subscribed { get; set; }

    /// <summary>CPU the bot's worker processes spent connecting and subscribing.</summary>
    public double BotSetupCpuMs { get; set; }

    /// <summary>Clients that could not connect or subscribe within the setup timeout.</summary>
    public long SetupFailures { get; set; }

    /// <summary>Wall-clock marks (unix ms) so a script can line up its own samples (CPU, RSS) with the phases.</summary>
    public long StartUnixMs { get; set; }

    public long SetupDoneUnixMs { get; set; }

    public long IdleDoneUnixMs { get; set; }

    public long EndUnixMs { get; set; }

    /// <summary>
    /// With <c>--reconnect-storm</c>: every connection reset at once after the idle hold and set up again (no resume);
    /// <c>Resumed</c> counts the clients subscribed again, <c>AllResumedMs</c> is from the first reset to the last ACK
    /// (or subscribe reply). Null without it.
    /// </summary>
    public StormCutReport? ReconnectStorm { get; set; }

    /// <summary>With <c>--reconnect-storm</c>: from telling the workers to reset until the last reported every client back, as setup is timed.</summary>
    public double ReconnectStormMs { get; set; }

    public IReadOnlyList<RoundReport> Rounds { get; set; } = [];

    /// <summary>All rounds merged (round 1, the warm-up, included); null when no round ran.</summary>
    public RoundReport? Summary { get; set; }

    /// <summary>Rounds 2 to R merged, without the warm-up round; null with fewer than two rounds.</summary>
    public RoundReport? SummaryWithoutWarmUp { get; set; }
}
