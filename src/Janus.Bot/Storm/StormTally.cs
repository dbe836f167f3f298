using Janus.Bot.Results;

namespace Janus.Bot.Storm;

/// <summary>
/// What a storm's clients received over the whole run, per thread, worker or in total: the sequence check (lost,
/// duplicated, out of order, summed over clients and topics) and the latencies of replayed and live messages.
/// </summary>
internal sealed class StormTally
{
    /// <summary>Clients subscribed at the end of setup (the ones whose sequences are checked).</summary>
    public long Clients { get; set; }

    /// <summary>Deliveries of the storm's topics.</summary>
    public long Deliveries { get; set; }

    /// <summary>Numbers a client never received on a topic it held (gaps, and the tail it had not reached by the end).</summary>
    public long Lost { get; set; }

    /// <summary>Numbers a client received more than once.</summary>
    public long Duplicates { get; set; }

    /// <summary>Numbers that arrived after a higher one (each is also not lost).</summary>
    public long OutOfOrder { get; set; }

    /// <summary>Error frames and deliveries the bot could not read.</summary>
    public long Errors { get; set; }

    /// <summary>Clients that held every number of every topic at the end.</summary>
    public long Complete { get; set; }

    /// <summary>Drops the bot did not cause, and how they were resumed.</summary>
    public StormEpisodeTally Unplanned { get; set; } = new();

    /// <summary>Receipt − stamp of messages a resumed client got at or before the position its answer named.</summary>
    public LatencyStats Replayed { get; set; } = LatencyStats.Empty();

    /// <summary>Receipt − stamp of every other delivery.</summary>
    public LatencyStats Live { get; set; } = LatencyStats.Empty();

    public static StormTally Merge(IReadOnlyList<StormTally> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var merged = new StormTally();
        foreach (StormTally part in parts)
        {
            merged.Clients += part.Clients;
            merged.Deliveries += part.Deliveries;
            merged.Lost += part.Lost;
            merged.Duplicates += part.Duplicates;
            merged.OutOfOrder += part.OutOfOrder;
            merged.Errors += part.Errors;
            merged.Complete += part.Complete;
        }

        merged.Unplanned = StormEpisodeTally.Merge(0, parts.Select(p => p.Unplanned).ToArray());
        merged.Replayed = LatencyStats.Merge(parts.Select(p => p.Replayed));
        merged.Live = LatencyStats.Merge(parts.Select(p => p.Live));
        return merged;
    }
}
