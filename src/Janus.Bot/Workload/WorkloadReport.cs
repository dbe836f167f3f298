using Janus.Bot.Coordination;
using Janus.Bot.Storm;

namespace Janus.Bot.Workload;

/// <summary>What <c>janus-bot workload</c> measured (text, or <c>--json</c> for bench/run; docs/bot.md lists the fields).</summary>
internal sealed class WorkloadReport : ISetupReport
{
    /// <summary>Tells this report from <c>test</c>'s and <c>storm</c>'s in a file of JSON.</summary>
    public string Mode { get; set; } = WorkloadWorker.Mode;

    public string Shape { get; set; } = "";

    public string Protocol { get; set; } = "";

    public int Clients { get; set; }

    public int Workers { get; set; }

    public IReadOnlyList<string> Hosts { get; set; } = [];

    public IReadOnlyList<string> Sources { get; set; } = [];

    public int Topics { get; set; }

    public int MinTopicsPerClient { get; set; }

    public int MaxTopicsPerClient { get; set; }

    public double Exponent { get; set; }

    public int GroupSize { get; set; }

    public double PersonalShare { get; set; }

    /// <summary>Messages per second asked for.</summary>
    public double Rate { get; set; }

    public int Publishers { get; set; }

    /// <summary>Churn asked for, clients a minute.</summary>
    public double ChurnPerMinute { get; set; }

    public double LingerMs { get; set; }

    public double SetupMs { get; set; }

    public long Subscribed { get; set; }

    public long SetupFailures { get; set; }

    public double BotSetupCpuMs { get; set; }

    /// <summary>CPU the coordinator's publishing took (its process, while publishing).</summary>
    public double BotPublishCpuMs { get; set; }

    /// <summary>CPU the workers took from the publishing's start to the end of the drain: what receiving and measuring cost.</summary>
    public double BotReceiveCpuMs { get; set; }

    public long Published { get; set; }

    public double PublishMs { get; set; }

    public double PublishedPerSecond { get; set; }

    public long Deliveries { get; set; }

    /// <summary>Deliveries over the publishing time.</summary>
    public double DeliveriesPerSecond { get; set; }

    /// <summary>Deliveries due to connected clients (<see cref="LossLedger"/>).</summary>
    public long Due { get; set; }

    /// <summary>Due deliveries that never came (and gaps after a first receipt).</summary>
    public long Lost { get; set; }

    public long OutOfOrder { get; set; }

    public long Errors { get; set; }

    /// <summary>Topic windows whose receipts did not match the publish log.</summary>
    public long Unaccountable { get; set; }

    /// <summary>Live clients the server side closed.</summary>
    public long Dropped { get; set; }

    public long Leaves { get; set; }

    public long Joins { get; set; }

    public long JoinFailures { get; set; }

    public long ChurnSkipped { get; set; }

    /// <summary>Leaves per minute of publishing.</summary>
    public double ChurnPerMinuteAchieved { get; set; }

    public long ConnectedAtEnd { get; set; }

    /// <summary>Due deliveries per message published: the fan-out the interest gives.</summary>
    public double MeanFanOut { get; set; }

    public StormLatency Latency { get; set; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public long StartUnixMs { get; set; }

    public long SetupDoneUnixMs { get; set; }

    public long PublishStartUnixMs { get; set; }

    public long PublishEndUnixMs { get; set; }

    public long EndUnixMs { get; set; }

    /// <summary>Nothing lost, reordered or refused, every client set up, and every newcomer subscribed.</summary>
    public bool Clean => Lost == 0 && OutOfOrder == 0 && Errors == 0 && Unaccountable == 0 && SetupFailures == 0 && JoinFailures == 0 && Dropped == 0;
}
