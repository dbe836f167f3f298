namespace Janus.Bot.Storm;

/// <summary>One cut as reported (or, as round 0, the drops the bot did not cause).</summary>
internal sealed class StormCutReport
{
    public int Round { get; set; }

    public long Cut { get; set; }

    public long Resumed { get; set; }

    /// <summary>Resumes answered <c>resumed:false</c> or <c>recovered:false</c>.</summary>
    public long RecoveredFalse { get; set; }

    /// <summary>Clients that did not get back in (connect retries exhausted, or refused).</summary>
    public long Failed { get; set; }

    /// <summary>Cut clients with neither an answer nor a failure when the cut's window closed.</summary>
    public long NotResumed { get; set; }

    public long CaughtUp { get; set; }

    /// <summary>From the first cut until every cut client had its answer (the last answer's time; all of them only when <see cref="NotResumed"/> is 0).</summary>
    public double AllResumedMs { get; set; }

    /// <summary>From the first cut until every cut client had received everything up to the position its answer named.</summary>
    public double AllCaughtUpMs { get; set; }

    /// <summary>Wall clock (unix ms) of the first cut, and of the last answer: a script lines its samples of the servers up with them.</summary>
    public double FirstCutUnixMs { get; set; }

    public double LastResumedUnixMs { get; set; }

    /// <summary>Per client, from its cut to its answer.</summary>
    public StormLatency ResumeTime { get; set; } = null!;

    /// <summary>Per client, from its cut to caught up.</summary>
    public StormLatency CatchUpTime { get; set; } = null!;

    public static StormCutReport From(StormEpisodeTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        return new StormCutReport
        {
            Round = tally.Round,
            Cut = tally.Cut,
            Resumed = tally.Resumed,
            RecoveredFalse = tally.RecoveredFalse,
            Failed = tally.Failed,
            NotResumed = Math.Max(0, tally.Cut - tally.Resumed - tally.Failed),
            CaughtUp = tally.CaughtUp,
            AllResumedMs = tally.LastResumedUs > tally.FirstCutUs && tally.FirstCutUs > 0 ? (tally.LastResumedUs - tally.FirstCutUs) / 1000.0 : 0,
            AllCaughtUpMs = tally.LastCaughtUpUs > tally.FirstCutUs && tally.FirstCutUs > 0 ? (tally.LastCaughtUpUs - tally.FirstCutUs) / 1000.0 : 0,
            FirstCutUnixMs = tally.FirstCutUs / 1000.0,
            LastResumedUnixMs = tally.LastResumedUs / 1000.0,
            ResumeTime = StormLatency.From(tally.ResumeTime),
            CatchUpTime = StormLatency.From(tally.CatchUpTime),
        };
    }
}
