using Janus.Bot.Results;

namespace Janus.Bot.Storm;

/// <summary>A cut (or the drops the bot did not cause) as one receive loop follows it: counts, per-client times, and who waits for the end.</summary>
internal sealed class StormEpisode(int round)
{
    public StormEpisodeTally Tally { get; } = new() { Round = round };

    public LatencyRecorder ResumeTime { get; } = new();

    public LatencyRecorder CatchUpTime { get; } = new();

    /// <summary>Completes when every cut client caught up or failed, or at <see cref="DeadlineUs"/>; null for drops the bot did not cause.</summary>
    public TaskCompletionSource<StormEpisodeTally>? Done { get; init; }

    public long DeadlineUs { get; init; } = long.MaxValue;

    public bool Settled => Tally.CaughtUp + Tally.Failed >= Tally.Cut;

    /// <summary>A copy of the counts with the per-client times encoded, for the coordinator.</summary>
    public StormEpisodeTally Snapshot() => new()
    {
        Round = Tally.Round,
        Cut = Tally.Cut,
        Resumed = Tally.Resumed,
        RecoveredFalse = Tally.RecoveredFalse,
        Failed = Tally.Failed,
        CaughtUp = Tally.CaughtUp,
        FirstCutUs = Tally.FirstCutUs,
        LastResumedUs = Tally.LastResumedUs,
        LastCaughtUpUs = Tally.LastCaughtUpUs,
        ResumeTime = ResumeTime.ToStats(),
        CatchUpTime = CatchUpTime.ToStats(),
    };
}
