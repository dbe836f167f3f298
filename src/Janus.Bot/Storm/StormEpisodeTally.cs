using Janus.Bot.Results;

namespace Janus.Bot.Storm;

/// <summary>
/// One cut (or, as round 0, every drop the bot did not cause: a killed node, a server-side close) and what followed:
/// how many connections went, came back, were told <c>recovered:false</c>, and when the last one resumed and caught
/// up. Counts add up across threads and workers; <see cref="Merge"/> is the one place that knows how.
/// </summary>
internal sealed class StormEpisodeTally
{
    /// <summary>The cut's number from 1; 0 for drops the bot did not cause.</summary>
    public int Round { get; set; }

    /// <summary>Connections cut (or dropped).</summary>
    public long Cut { get; set; }

    /// <summary>Clients that got their <c>resumed</c> answer (or, after <c>resumed:false</c>, every <c>subscribed</c> answer).</summary>
    public long Resumed { get; set; }

    /// <summary>Clients whose <c>resume</c> was answered <c>resumed:false</c> or <c>recovered:false</c>.</summary>
    public long RecoveredFalse { get; set; }

    /// <summary>Clients that did not get back in: no connection after the retries, or the window closed first.</summary>
    public long Failed { get; set; }

    /// <summary>Resumed clients that received everything up to the position their answer named.</summary>
    public long CaughtUp { get; set; }

    /// <summary>Wall clock (unix µs) of the first cut or drop; 0 when none.</summary>
    public long FirstCutUs { get; set; }

    /// <summary>Wall clock (unix µs) when the last client got its answer.</summary>
    public long LastResumedUs { get; set; }

    /// <summary>Wall clock (unix µs) when the last client caught up.</summary>
    public long LastCaughtUpUs { get; set; }

    /// <summary>Per client: from its cut to its answer.</summary>
    public LatencyStats ResumeTime { get; set; } = LatencyStats.Empty();

    /// <summary>Per client: from its cut to caught up.</summary>
    public LatencyStats CatchUpTime { get; set; } = LatencyStats.Empty();

    public static StormEpisodeTally Merge(int round, IReadOnlyList<StormEpisodeTally> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var merged = new StormEpisodeTally { Round = round };
        foreach (StormEpisodeTally part in parts)
        {
            merged.Cut += part.Cut;
            merged.Resumed += part.Resumed;
            merged.RecoveredFalse += part.RecoveredFalse;
            merged.Failed += part.Failed;
            merged.CaughtUp += part.CaughtUp;
            merged.FirstCutUs = part.FirstCutUs == 0 ? merged.FirstCutUs
                : merged.FirstCutUs == 0 ? part.FirstCutUs
                : Math.Min(merged.FirstCutUs, part.FirstCutUs);
            merged.LastResumedUs = Math.Max(merged.LastResumedUs, part.LastResumedUs);
            merged.LastCaughtUpUs = Math.Max(merged.LastCaughtUpUs, part.LastCaughtUpUs);
        }

        merged.ResumeTime = LatencyStats.Merge(parts.Select(p => p.ResumeTime));
        merged.CatchUpTime = LatencyStats.Merge(parts.Select(p => p.CatchUpTime));
        return merged;
    }
}
