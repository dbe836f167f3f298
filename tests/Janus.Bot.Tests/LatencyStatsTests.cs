using System.Text.Json;
using Janus.Bot.Coordination;
using Janus.Bot.Results;

namespace Janus.Bot.Tests;

/// <summary>Percentiles, and merging what several threads and worker processes measured.</summary>
public sealed class LatencyStatsTests
{
    [Fact]
    public void Percentiles_are_within_the_histogram_precision_and_never_above_the_max()
    {
        var recorder = new LatencyRecorder();
        for (long ms = 1; ms <= 1000; ms++)
        {
            recorder.Record(ms * 1000);
        }

        LatencyStats stats = recorder.ToStats();

        Assert.InRange(stats.Percentile(50), 499_500, 500_600);
        Assert.InRange(stats.Percentile(90), 899_100, 901_000);
        Assert.InRange(stats.Percentile(99), 989_000, 991_000);
        Assert.InRange(stats.Percentile(99.9), 998_000, 1_000_000);
        Assert.Equal(1_000_000, stats.Percentile(100));
        Assert.Equal(1000, stats.MinMicroseconds);
        Assert.Equal(1_000_000, stats.MaxMicroseconds);
        Assert.Equal(500_500.0, stats.MeanMicroseconds);
    }

    [Fact]
    public void Negative_latencies_from_a_clock_step_count_as_zero()
    {
        var recorder = new LatencyRecorder();
        recorder.Record(-25);

        LatencyStats stats = recorder.ToStats();

        Assert.Equal(0, stats.MinMicroseconds);
        Assert.Equal(1, stats.Buckets[0]);
    }

    [Fact]
    public void Stats_merged_after_crossing_a_process_boundary_equal_one_recorder_that_saw_everything()
    {
        var all = new LatencyRecorder();
        var parts = new[] { new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder() };
        var random = new Random(7);
        for (int i = 0; i < 1_000_000; i++)
        {
            // Wide and skewed, like a throughput round: mostly milliseconds, a tail into seconds.
            long value = i % 10 == 0 ? random.NextInt64(1, 30_000_000) : random.NextInt64(1, 3_000_000);
            all.Record(value);
            parts[i % 3].Record(value);
        }

        // Each part goes through the worker protocol's JSON, as a worker's result line does.
        LatencyStats[] received = parts.Select(p => RoundTrip(p.ToStats())).ToArray();
        LatencyStats merged = LatencyStats.Merge(received);
        LatencyStats expected = all.ToStats();

        Assert.Equal(expected.Count, merged.Count);
        Assert.Equal(expected.MinMicroseconds, merged.MinMicroseconds);
        Assert.Equal(expected.MaxMicroseconds, merged.MaxMicroseconds);
        Assert.Equal(expected.SumMicroseconds, merged.SumMicroseconds);
        Assert.Equal(expected.Buckets, merged.Buckets);
        foreach (double p in new[] { 50, 90, 99, 99.9 })
        {
            Assert.Equal(expected.Percentile(p), merged.Percentile(p));
        }
    }

    [Fact]
    public void Merging_skips_parts_that_saw_nothing()
    {
        var recorder = new LatencyRecorder();
        recorder.Record(5000);

        LatencyStats merged = LatencyStats.Merge([LatencyStats.Empty(), recorder.ToStats(), LatencyStats.Empty()]);

        Assert.Equal(1, merged.Count);
        Assert.Equal(5000, merged.MinMicroseconds);
        Assert.Equal(5000, merged.MaxMicroseconds);
    }

    [Fact]
    public void Round_tallies_add_up_across_workers()
    {
        var a = new RoundTally { Round = 2, Subscribed = 100, ExpectedPerClient = 3, Good = 98, Deliveries = 297, Late = 1, Duplicates = 2, Disconnected = 1, Errors = 0, FirstDeliveryUs = 500, LastDeliveryUs = 900, DoneUs = 950, BotCpuUs = 10 };
        var b = new RoundTally { Round = 2, Subscribed = 50, ExpectedPerClient = 3, Good = 50, Deliveries = 150, FirstDeliveryUs = 0, LastDeliveryUs = 0, DoneUs = 990, BotCpuUs = 5 };
        var c = new RoundTally { Round = 2, Subscribed = 50, ExpectedPerClient = 3, Good = 49, Deliveries = 148, FirstDeliveryUs = 450, LastDeliveryUs = 1000, DoneUs = 1001, Errors = 4 };

        RoundTally merged = RoundTally.Merge([RoundTrip(a), RoundTrip(b), RoundTrip(c)]);

        Assert.Equal(2, merged.Round);
        Assert.Equal(200, merged.Subscribed);
        Assert.Equal(600, merged.ExpectedDeliveries);
        Assert.Equal(197, merged.Good);
        Assert.Equal(595, merged.Deliveries);
        Assert.Equal(1, merged.Late);
        Assert.Equal(2, merged.Duplicates);
        Assert.Equal(1, merged.Disconnected);
        Assert.Equal(4, merged.Errors);
        Assert.Equal(450, merged.FirstDeliveryUs);
        Assert.Equal(1000, merged.LastDeliveryUs);
        Assert.Equal(1001, merged.DoneUs);
        Assert.Equal(15, merged.BotCpuUs);

        RoundReport report = RoundReport.From(merged, clients: 210, publishUs: 1, setupMs: 100);
        Assert.Equal(13, report.Bad);
        Assert.Equal(5, report.Lost);
        Assert.Equal(1.0, report.RoundMs);
        Assert.Equal(101.0, report.RunMs);
        Assert.False(report.WarmUp);
        Assert.Equal(0.999, report.DeliveryMs, 6);
    }

    [Fact]
    public void The_summary_adds_rounds_and_rates_over_their_summed_delivery_time()
    {
        var r1 = new RoundTally { Round = 1, Subscribed = 10, ExpectedPerClient = 1, Good = 10, Deliveries = 10, LastDeliveryUs = 2000, DoneUs = 2000 };
        var r2 = new RoundTally { Round = 2, Subscribed = 10, ExpectedPerClient = 1, Good = 9, Deliveries = 9, LastDeliveryUs = 11_000, DoneUs = 15_000 };
        RoundReport[] rounds = [RoundReport.From(r1, 10, 0, setupMs: 50), RoundReport.From(r2, 10, 10_000, setupMs: 50)];

        RoundReport summary = RoundReport.Summarize([r1, r2], rounds, 10, setupMs: 50);

        Assert.Equal(0, summary.Round);
        Assert.Equal(20, summary.Clients);
        Assert.Equal(19, summary.Good);
        Assert.Equal(1, summary.Bad);
        Assert.Equal(1, summary.Lost);
        Assert.Equal(7.0, summary.RoundMs, 6);
        Assert.Equal(57.0, summary.RunMs, 6);
        Assert.True(rounds[0].WarmUp);
        Assert.False(rounds[1].WarmUp);
        Assert.True(summary.WarmUp);
        Assert.Equal(19 / 0.003, summary.DeliveriesPerSecond, 3);
    }

    private static LatencyStats RoundTrip(LatencyStats stats) =>
        RoundTrip(new RoundTally { Latency = stats }).Latency;

    private static RoundTally RoundTrip(RoundTally tally)
    {
        string line = JsonSerializer.Serialize(new ControlMessage { Type = ControlMessage.ResultType, Tally = tally }, BotJsonContext.Default.ControlMessage);
        Assert.DoesNotContain('\n', line);
        return JsonSerializer.Deserialize(line, BotJsonContext.Default.ControlMessage)!.Tally!;
    }
}
