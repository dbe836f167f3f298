using Janus.Bot.Results;

namespace Janus.Bot.Coordination;

/// <summary>
/// One JSON line between the coordinator and a worker (stdin one way, stdout the other). One flat shape for every
/// kind keeps the protocol readable in a log: <see cref="Type"/> says which fields matter.
/// </summary>
/// <remarks>
/// Coordinator to worker: <c>config</c> (Config), <c>connect</c>, <c>arm</c> (Round, ExpectedPerClient, NotBeforeUs,
/// DeadlineUs), <c>stop</c>. Worker to coordinator: <c>hello</c>, <c>progress</c> and <c>ready</c> (Connected,
/// Subscribed, Failed; CpuUs in ready), <c>armed</c> (Round), <c>result</c> (Tally), <c>stopped</c> (Late, Duplicates), <c>error</c> (Message).
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

    /// <summary>CPU (µs) the worker spent on setup (in <c>ready</c>).</summary>
    public long CpuUs { get; set; }

    public long Duplicates { get; set; }

    public RoundTally? Tally { get; set; }

    public string? Message { get; set; }
}
