using Janus.Bot.Results;

namespace Janus.Bot.Workload;

/// <summary>What a workload loop (and, merged, a worker) counted, sent to the coordinator in its <c>drained</c> line.</summary>
internal sealed class WorkloadTally
{
    /// <summary>Deliveries received (every one, due or not).</summary>
    public long Deliveries { get; set; }

    /// <summary>Deliveries whose number was not above the last one received on their topic (duplicated or reordered).</summary>
    public long OutOfOrder { get; set; }

    public long Errors { get; set; }

    /// <summary>Live clients whose connection the server (or the network) closed.</summary>
    public long Dropped { get; set; }

    /// <summary>Clients that left (churn).</summary>
    public long Leaves { get; set; }

    /// <summary>Newcomers subscribed to all their topics.</summary>
    public long Joins { get; set; }

    /// <summary>Newcomers given up (could not connect or subscribe).</summary>
    public long JoinFailures { get; set; }

    /// <summary>Churn ticks that found no live client to send away.</summary>
    public long ChurnSkipped { get; set; }

    /// <summary>Clients live at the end.</summary>
    public long Connected { get; set; }

    public LatencyStats Latency { get; set; } = LatencyStats.Empty();

    /// <summary>Every topic window, <see cref="LossLedger.Fields"/> numbers each.</summary>
    public long[] Windows { get; set; } = [];

    public static WorkloadTally Merge(IReadOnlyCollection<WorkloadTally> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new WorkloadTally
        {
            Deliveries = parts.Sum(p => p.Deliveries),
            OutOfOrder = parts.Sum(p => p.OutOfOrder),
            Errors = parts.Sum(p => p.Errors),
            Dropped = parts.Sum(p => p.Dropped),
            Leaves = parts.Sum(p => p.Leaves),
            Joins = parts.Sum(p => p.Joins),
            JoinFailures = parts.Sum(p => p.JoinFailures),
            ChurnSkipped = parts.Sum(p => p.ChurnSkipped),
            Connected = parts.Sum(p => p.Connected),
            Latency = LatencyStats.Merge(parts.Select(p => p.Latency)),
            Windows = [.. parts.SelectMany(p => p.Windows)],
        };
    }
}
