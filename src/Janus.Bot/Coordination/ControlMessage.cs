using Janus.Bot.Results;
using Janus.Bot.Storm;
using Janus.Bot.Workload;

namespace Janus.Bot.Coordination;

/// <summary>
/// One JSON line between the coordinator and a worker (stdin one way, stdout the other). One flat shape for every
/// kind keeps the protocol readable in a log: <see cref="Type"/> says which fields matter.
/// </summary>
/// <remarks>
/// Coordinator to worker: <c>config</c> (Config), <c>connect</c>, <c>arm</c> (Round, ExpectedPerClient, NotBeforeUs,
/// DeadlineUs), <c>stop</c>. Worker to coordinator: <c>hello</c>, <c>progress</c> and <c>ready</c> (Connected,
/// Subscribed, Failed; CpuUs in ready), <c>armed</c> (Round), <c>result</c> (Tally), <c>stopped</c> (Late, Duplicates), <c>error</c> (Message).
/// A storm (<c>janus-bot storm</c>) has its own middle: coordinator to worker <c>cut</c> (Round, Fraction, Seed,
/// DeadlineUs) and <c>drain</c> (FinalSequences, DeadlineUs); worker to coordinator <c>cutdone</c> (Episode) and
/// <c>drained</c> (Storm). <c>test --reconnect-storm</c> adds <c>reconnect</c> (coordinator to worker: reset every
/// connection, set every client up again), answered as <c>connect</c> is (<c>progress</c>, then <c>ready</c>, whose
/// Episode holds the storm's tally). A workload (<c>janus-bot workload</c>): coordinator to worker <c>churn</c> (start it)
/// and <c>drain</c> (DeadlineUs); worker to coordinator <c>drained</c> (Workload).
/// </remarks>
internal sealed class ControlMessage
{
    public const string ConfigType = "config";
    public const string ConnectType = "connect";
    public const string ArmType = "arm";
    public const string StopType = "stop";
    public const string HelloType = "hello";
    public const string ProgressType = "progress";
    public const string ReadyType = "ready";
    public const string ArmedType = "armed";
    public const string ResultType = "result";
    public const string StoppedType = "stopped";
    public const string ErrorType = "error";
    public const string CutType = "cut";
    public const string CutDoneType = "cutdone";
    public const string DrainType = "drain";
    public const string DrainedType = "drained";
    public const string ReconnectType = "reconnect";
    public const string ChurnType = "churn";

    public string Type { get; set; } = "";

    public WorkerConfig? Config { get; set; }

    public int Round { get; set; }

    public int ExpectedPerClient { get; set; }

    /// <summary>Deliveries stamped before this (unix µs) belong to an earlier round.</summary>
    public long NotBeforeUs { get; set; }

    /// <summary>When the round's window closes (unix µs).</summary>
    public long DeadlineUs { get; set; }

    public long Connected { get; set; }

    public long Subscribed { get; set; }

    public long Failed { get; set; }

    public long Late { get; set; }

    /// <summary>CPU (µs) the worker spent on setup (in <c>ready</c>), or on a workload's receiving (in its <c>drained</c>).</summary>
    public long CpuUs { get; set; }

    public long Duplicates { get; set; }

    public RoundTally? Tally { get; set; }

    public string? Message { get; set; }

    /// <summary>The share of subscribed clients a cut resets (0–1).</summary>
    public double Fraction { get; set; }

    /// <summary>Seeds the choice of who is cut, so a run can be repeated.</summary>
    public int Seed { get; set; }

    /// <summary>The publisher's last number on each topic, when it stopped.</summary>
    public long[]? FinalSequences { get; set; }

    public StormEpisodeTally? Episode { get; set; }

    public StormTally? Storm { get; set; }

    public WorkloadTally? Workload { get; set; }
}
