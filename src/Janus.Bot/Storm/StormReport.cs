using Janus.Bot.Coordination;

namespace Janus.Bot.Storm;

/// <summary>Everything one <c>janus-bot storm</c> run measured; <c>--json</c> prints this.</summary>
internal sealed class StormReport : ISetupReport
{
    public string Mode { get; set; } = "storm";

    public long Clients { get; set; }

    public int Workers { get; set; }

    public IReadOnlyList<string> Hosts { get; set; } = [];

    public string PublishTo { get; set; } = "";

    public IReadOnlyList<string> Sources { get; set; } = [];

    public int Topics { get; set; }

    public int TopicsPerClient { get; set; }

    /// <summary>Messages per second asked for, over all topics.</summary>
    public double Rate { get; set; }

    public double CutFraction { get; set; }

    public double OutageMs { get; set; }

    public bool ResumeOnNextHost { get; set; }

    public double SetupMs { get; set; }

    public long Subscribed { get; set; }

    public long SetupFailures { get; set; }

    public double BotSetupCpuMs { get; set; }

    /// <summary>Wall-clock marks (unix ms): start, setup done, publishing started and stopped, end.</summary>
    public long StartUnixMs { get; set; }

    public long SetupDoneUnixMs { get; set; }

    public long PublishStartUnixMs { get; set; }

    public long PublishEndUnixMs { get; set; }

    public long EndUnixMs { get; set; }

    /// <summary>Messages published (all topics) and over how long.</summary>
    public long Published { get; set; }

    public double PublishMs { get; set; }

    /// <summary>Deliveries of the storm's topics to its clients (duplicates not counted).</summary>
    public long Deliveries { get; set; }

    /// <summary>Summed over clients and topics: numbers never received, received twice, received after a higher one.</summary>
    public long Lost { get; set; }

    public long Duplicates { get; set; }

    public long OutOfOrder { get; set; }

    public long Errors { get; set; }

    /// <summary>Over every cut and drop: resumes answered <c>recovered:false</c>, clients that did not get back in.</summary>
    public long RecoveredFalse { get; set; }

    public long ResumeFailures { get; set; }

    public IReadOnlyList<StormCutReport> Cuts { get; set; } = [];

    /// <summary>Drops the bot did not cause (a node killed, a server close); null when there were none.</summary>
    public StormCutReport? Unplanned { get; set; }

    /// <summary>Receipt − server stamp of messages replayed to resumed clients (published while they were away).</summary>
    public StormLatency Replayed { get; set; } = null!;

    /// <summary>Receipt − server stamp of every other delivery.</summary>
    public StormLatency Live { get; set; } = null!;

    /// <summary>No loss, no duplicate, nothing out of order, every cut client back with everything recovered.</summary>
    public bool Clean =>
        SetupFailures == 0 && Lost == 0 && Duplicates == 0 && OutOfOrder == 0 && RecoveredFalse == 0 && ResumeFailures == 0
        && Cuts.All(c => c.NotResumed == 0) && (Unplanned is null || Unplanned.NotResumed == 0);
}
