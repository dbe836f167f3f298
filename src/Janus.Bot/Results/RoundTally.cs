namespace Janus.Bot.Results;

/// <summary>
/// What one receive thread, one worker, or the whole bot saw in one round. Counts add up across threads and worker
/// processes; <see cref="Merge"/> is the one place that knows how.
/// </summary>
internal sealed class RoundTally
{
    public int Round { get; set; }

    /// <summary>Clients that were subscribed when the round was armed.</summary>
    public long Subscribed { get; set; }

    /// <summary>Messages each subscribed client expects this round.</summary>
    public int ExpectedPerClient { get; set; }

    /// <summary>Clients that got every expected message within the window.</summary>
    public long Good { get; set; }

    /// <summary>Deliveries counted in the round (within the window, not duplicates).</summary>
    public long Deliveries { get; set; }

    /// <summary>Deliveries that arrived after their round's window closed (reported with the next round).</summary>
    public long Late { get; set; }

    /// <summary>Deliveries beyond what a client expected.</summary>
    public long Duplicates { get; set; }

    /// <summary>Subscribed clients whose connection closed during the round.</summary>
    public long Disconnected { get; set; }

    /// <summary>Messages the server refused or the bot could not read (error frames, no timestamp).</summary>
    public long Errors { get; set; }

    /// <summary>Wall clock (unix µs) of the first and last counted delivery; 0 when none.</summary>
    public long FirstDeliveryUs { get; set; }

    public long LastDeliveryUs { get; set; }

    /// <summary>Wall clock (unix µs) when the round ended here: all expected deliveries in, or the window closed.</summary>
    public long DoneUs { get; set; }

    /// <summary>CPU time the bot's worker processes spent from arming the round to its end (user + system).</summary>
    public long BotCpuUs { get; set; }

    /// <summary>The part of <see cref="BotCpuUs"/> spent in the kernel (recv, epoll_wait).</summary>
    public long BotSystemCpuUs { get; set; }

    public LatencyStats Latency { get; set; } = LatencyStats.Empty();

    public long ExpectedDeliveries => Subscribed * ExpectedPerClient;

    /// <summary>Adds the tallies of threads or workers for the same round.</summary>
    public static RoundTally Merge(IReadOnlyList<RoundTally> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Nothing to merge.", nameof(parts));
        }

        var merged = new RoundTally { Round = parts[0].Round, ExpectedPerClient = parts[0].ExpectedPerClient };
        var latencies = new List<LatencyStats>(parts.Count);
        foreach (RoundTally part in parts)
        {
            merged.Subscribed += part.Subscribed;
            merged.Good += part.Good;
            merged.Deliveries += part.Deliveries;
            merged.Late += part.Late;
            merged.Duplicates += part.Duplicates;
            merged.Disconnected += part.Disconnected;
            merged.Errors += part.Errors;
            merged.BotCpuUs += part.BotCpuUs;
            merged.BotSystemCpuUs += part.BotSystemCpuUs;
            merged.FirstDeliveryUs = Earliest(merged.FirstDeliveryUs, part.FirstDeliveryUs);
            merged.LastDeliveryUs = Math.Max(merged.LastDeliveryUs, part.LastDeliveryUs);
            merged.DoneUs = Math.Max(merged.DoneUs, part.DoneUs);
            latencies.Add(part.Latency);
        }

        merged.Latency = LatencyStats.Merge(latencies);
        return merged;
    }

    private static long Earliest(long a, long b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);
}
