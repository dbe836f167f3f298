using Janus.Bot.Results;
using Janus.Bot.Storm;

namespace Janus.Bot.Tests;

/// <summary>The storm's text report, line by line, and the numbers behind it.</summary>
public sealed class StormReportTests
{
    private static LatencyStats Latencies(params long[] microseconds)
    {
        var recorder = new LatencyRecorder();
        foreach (long value in microseconds)
        {
            recorder.Record(value);
        }

        return recorder.ToStats();
    }

    [Fact]
    public void The_text_report_names_every_figure()
    {
        var episode = new StormEpisodeTally
        {
            Round = 1,
            Cut = 4,
            Resumed = 3,
            RecoveredFalse = 1,
            Failed = 0,
            CaughtUp = 3,
            FirstCutUs = 1_000_000,
            LastResumedUs = 1_250_000,
            LastCaughtUpUs = 1_300_500,
            // Below 2,048 µs the histogram is exact, so the percentiles are too.
            ResumeTime = Latencies(1_000, 1_500, 2_000),
            CatchUpTime = Latencies(1_100, 1_600, 2_040),
        };
        var report = new StormReport
        {
            Clients = 4,
            Workers = 1,
            Topics = 2,
            TopicsPerClient = 1,
            Rate = 500,
            CutFraction = 1,
            OutageMs = 0,
            SetupMs = 12.5,
            Subscribed = 4,
            Published = 1000,
            PublishMs = 2000,
            Deliveries = 2000,
            Lost = 3,
            Cuts = [StormCutReport.From(episode)],
            RecoveredFalse = 1,
            Replayed = StormLatency.From(Latencies(1_200, 1_800)),
            Live = StormLatency.From(Latencies(500, 1_000)),
        };

        var writer = new StringWriter { NewLine = "\n" };
        StormReportWriter.WriteText(writer, report);

        Assert.Equal(
            "storm: 4 clients, 1 workers, 2 topics (1 per client), 500 msg/s, 1 cuts of 100%, outage 0ms\n" +
            "setup: 12.50ms, subscribed: 4, setup failures: 0\n" +
            "cut 1: 4 cut, 3 resumed (1 recovered:false, 0 failed, 1 not resumed), all resumed in 250.00ms, all caught up in 300.50ms\n" +
            "  per client: resumed p50 1.50ms, p99 2.00ms, max 2.00ms; caught up p50 1.60ms, p99 2.04ms, max 2.04ms\n" +
            "published: 1000 in 2.0s, deliveries: 2000\n" +
            "lost: 3, duplicated: 0, out of order: 0, recovered:false: 1, resume failures: 0, errors: 0\n" +
            "replayed: 2 messages, p50: 1.2000ms, p90: 1.8000ms, p99: 1.8000ms, p99.9: 1.8000ms, max: 1.8000ms, mean: 1.5000ms\n" +
            "live: 2 messages, p50: 0.5000ms, p90: 1.0000ms, p99: 1.0000ms, p99.9: 1.0000ms, max: 1.0000ms, mean: 0.7500ms\n",
            writer.ToString());
        Assert.False(report.Clean);
    }

    [Fact]
    public void Episodes_merge_counts_and_take_the_first_cut_and_the_last_answer()
    {
        var a = new StormEpisodeTally { Cut = 2, Resumed = 2, CaughtUp = 2, FirstCutUs = 500, LastResumedUs = 900, LastCaughtUpUs = 950, ResumeTime = Latencies(400, 400) };
        var b = new StormEpisodeTally { Cut = 3, Resumed = 2, Failed = 1, CaughtUp = 2, FirstCutUs = 450, LastResumedUs = 1200, LastCaughtUpUs = 1100, ResumeTime = Latencies(750, 700) };
        var none = new StormEpisodeTally();

        StormEpisodeTally merged = StormEpisodeTally.Merge(7, [a, none, b]);

        Assert.Equal(7, merged.Round);
        Assert.Equal(5, merged.Cut);
        Assert.Equal(4, merged.Resumed);
        Assert.Equal(1, merged.Failed);
        Assert.Equal(450, merged.FirstCutUs);
        Assert.Equal(1200, merged.LastResumedUs);
        Assert.Equal(1100, merged.LastCaughtUpUs);
        Assert.Equal(4, merged.ResumeTime.Count);
        Assert.Equal(0, StormCutReport.From(merged).NotResumed);
        Assert.Equal(0.75, StormCutReport.From(merged).AllResumedMs);
    }

    [Fact]
    public void The_sequence_window_tells_lost_duplicated_and_out_of_order_apart()
    {
        TopicCursor cursor = TopicCursor.Start();

        Assert.Equal(SequenceResult.InOrder, cursor.Track(1));
        Assert.Equal(SequenceResult.InOrder, cursor.Track(2));
        Assert.Equal(SequenceResult.Duplicate, cursor.Track(2));
        Assert.Equal(SequenceResult.Gap, cursor.Track(5));
        Assert.Equal(SequenceResult.FilledGap, cursor.Track(3));
        Assert.Equal(SequenceResult.Duplicate, cursor.Track(3));
        Assert.Equal(SequenceResult.FilledGap, cursor.Track(4));
        Assert.Equal(SequenceResult.InOrder, cursor.Track(6));
        Assert.Equal(SequenceResult.Gap, cursor.Track(6 + TopicCursor.WindowSize + 10));
        // Further below the highest than the window reaches: counted as a duplicate, never as a fill.
        Assert.Equal(SequenceResult.Duplicate, cursor.Track(7));
        Assert.Equal(6 + TopicCursor.WindowSize + 10, cursor.Highest);
    }
}
