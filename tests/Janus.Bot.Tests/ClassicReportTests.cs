using Janus.Bot.Results;

namespace Janus.Bot.Tests;

/// <summary>The original bot's report, byte for byte (bot.erl's io:format strings and histo.erl's buckets).</summary>
public sealed class ClassicReportTests
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

    private static string Render(double setupMs, long good, long bad, double runMs, LatencyStats latency)
    {
        var writer = new StringWriter { NewLine = "\n" };
        ClassicReport.Write(writer, setupMs, good, bad, runMs, latency);
        return writer.ToString();
    }

    [Fact]
    public void Header_line_has_the_original_layout()
    {
        string text = Render(4218.24, 10000, 0, 7343, Latencies(1000));

        Assert.StartsWith("setup: 4218.24ms, good: 10000, bad: 0, run: 7343.00ms\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Buckets_count_values_above_the_previous_edge_up_to_and_including_their_own()
    {
        string text = Render(1.5, 5, 0, 2.25, Latencies(12_345, 400_000, 500_000, 500_001, 1_200_000));

        Assert.Equal(
            "setup: 1.50ms, good: 5, bad: 0, run: 2.25ms\n" +
            "   12.3450ms | min   \n" +
            "  500.0000ms | 3      -  60.00%\n" +
            " 1000.0000ms | 1      -  20.00%\n" +
            " 1500.0000ms | 1      -  20.00%\n" +
            " 1200.0000ms | max   \n",
            text);
    }

    [Fact]
    public void Empty_buckets_before_the_last_filled_one_are_printed_and_none_after()
    {
        string text = Render(0, 2, 0, 0, Latencies(100_000, 2_600_000));

        Assert.Equal(
            "setup: 0.00ms, good: 2, bad: 0, run: 0.00ms\n" +
            "  100.0000ms | min   \n" +
            "  500.0000ms | 1      -  50.00%\n" +
            " 1000.0000ms | 0      -   0.00%\n" +
            " 1500.0000ms | 0      -   0.00%\n" +
            " 2000.0000ms | 0      -   0.00%\n" +
            " 2500.0000ms | 0      -   0.00%\n" +
            " 3000.0000ms | 1      -  50.00%\n" +
            " 2600.0000ms | max   \n",
            text);
    }

    [Fact]
    public void Latencies_above_five_seconds_fall_in_a_last_bucket_whose_edge_is_the_max()
    {
        IReadOnlyList<ReportBucket> buckets = ClassicReport.Buckets(Latencies(300, 6_000_123));

        Assert.Equal(11, buckets.Count);
        Assert.Equal(5000.0, buckets[9].EdgeMs);
        Assert.Equal(0, buckets[9].Count);
        Assert.Equal(6000.123, buckets[10].EdgeMs);
        Assert.Equal(1, buckets[10].Count);
    }

    [Fact]
    public void Percent_is_of_all_results_with_two_decimals_in_six_columns()
    {
        long[] values = new long[10000];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i < 3648 ? 250_000 : 750_000;
        }

        string text = Render(4218.24, 10000, 0, 7343, Latencies(values));

        Assert.Contains("\n  500.0000ms | 3648   -  36.48%\n", text, StringComparison.Ordinal);
        Assert.Contains("\n 1000.0000ms | 6352   -  63.52%\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_full_bucket_is_one_hundred_percent()
    {
        string text = Render(1, 1, 0, 1, Latencies(42));

        Assert.Contains("\n  500.0000ms | 1      - 100.00%\n", text, StringComparison.Ordinal);
        Assert.Contains("\n    0.0420ms | min   \n", text, StringComparison.Ordinal);
        Assert.EndsWith("\n    0.0420ms | max   \n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_recorded_prints_one_empty_bucket_instead_of_failing()
    {
        string text = Render(10, 0, 3, 5010, LatencyStats.Empty());

        Assert.Equal(
            "setup: 10.00ms, good: 0, bad: 3, run: 5010.00ms\n" +
            "    0.0000ms | min   \n" +
            "  500.0000ms | 0      -   0.00%\n" +
            "    0.0000ms | max   \n",
            text);
    }
}
