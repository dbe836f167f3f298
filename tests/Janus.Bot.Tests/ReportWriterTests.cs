using System.Text.Json;
using Janus.Bot.Results;

namespace Janus.Bot.Tests;

/// <summary>
/// The report around the original's lines: one word per measure (setup, round, run, delivery) in every line, the
/// summary table and the JSON, and round 1 labelled as the warm-up round.
/// </summary>
public sealed class ReportWriterTests
{
    private const double SetupMs = 292.86;

    private static LatencyStats Latencies(params long[] microseconds)
    {
        var recorder = new LatencyRecorder();
        foreach (long value in microseconds)
        {
            recorder.Record(value);
        }

        return recorder.ToStats();
    }

    /// <summary>Round r published at r·1 s; 2 clients, each delivery at publish + latency; the round ends 1 ms after the last.</summary>
    private static RoundTally Tally(int round, params long[] latencies)
    {
        long publishUs = round * 1_000_000L;
        return new RoundTally
        {
            Round = round,
            Subscribed = latencies.Length,
            ExpectedPerClient = 1,
            Good = latencies.Length,
            Deliveries = latencies.Length,
            FirstDeliveryUs = publishUs + latencies.Min(),
            LastDeliveryUs = publishUs + latencies.Max(),
            DoneUs = publishUs + latencies.Max() + 1_000,
            Latency = Latencies(latencies),
        };
    }

    private static BotReport Report(params RoundTally[] tallies)
    {
        RoundReport[] rounds = tallies.Select(t => RoundReport.From(t, t.Subscribed, t.Round * 1_000_000L, SetupMs)).ToArray();
        return new BotReport
        {
            Clients = 2,
            SetupMs = SetupMs,
            Rounds = rounds,
            Summary = RoundReport.Summarize(tallies, rounds, 2, SetupMs),
            SummaryWithoutWarmUp = rounds.Length < 2 ? null : RoundReport.Summarize(tallies[1..], rounds[1..], 2, SetupMs),
        };
    }

    private static string Render(BotReport report)
    {
        var writer = new StringWriter { NewLine = "\n" };
        ReportWriter.WriteText(writer, report);
        return writer.ToString();
    }

    private static string Classic(double runMs, long good, LatencyStats latency)
    {
        var writer = new StringWriter { NewLine = "\n" };
        ClassicReport.Write(writer, SetupMs, good, 0, runMs, latency);
        return writer.ToString();
    }

    [Fact]
    public void One_round_prints_the_original_lines_first_with_run_as_setup_plus_the_round()
    {
        string text = Render(Report(Tally(1, 31_000, 59_000)));

        // The round lasted 60 ms (last delivery at 59 ms, done 1 ms later): run = 292.86 + 60.
        Assert.StartsWith(
            "setup: 292.86ms, good: 2, bad: 0, run: 352.86ms\n" +
            "   31.0000ms | min   \n" +
            "  500.0000ms | 2      - 100.00%\n" +
            "   59.0000ms | max   \n" +
            "p50: ",
            text,
            StringComparison.Ordinal);
        Assert.Contains("\nround: 60.00ms, delivery: 59.00ms, deliveries: 2/2, 34/s, bot cpu: ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("round 1/", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_round_keeps_the_original_lines_and_the_first_is_labelled_warm_up()
    {
        RoundTally[] tallies = [Tally(1, 117_000, 118_000), Tally(2, 12_000, 13_000), Tally(3, 14_000, 15_000)];
        string text = Render(Report(tallies));

        Assert.Contains("round 1/3 (warm-up: the first publish of this run)\n" + Classic(SetupMs + 119, 2, tallies[0].Latency), text, StringComparison.Ordinal);
        Assert.Contains("\nround 2/3\n" + Classic(SetupMs + 14, 2, tallies[1].Latency), text, StringComparison.Ordinal);
        Assert.Contains("\nround 3/3\n" + Classic(SetupMs + 16, 2, tallies[2].Latency), text, StringComparison.Ordinal);
        Assert.DoesNotContain("round 2/3 (", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_table_names_round_and_delivery_times_and_marks_the_warm_up_round()
    {
        // One client per round: the percentiles are that one latency, exactly.
        string text = Render(Report(Tally(1, 117_000), Tally(2, 12_000)));
        string[] lines = text.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("round ", StringComparison.Ordinal) && l.Contains("good", StringComparison.Ordinal));

        Assert.Equal("round      good       bad      lost    min(ms)    p50(ms)    p99(ms)    max(ms)  round(ms)  delivery(ms)  deliveries/s", lines[header]);
        Assert.Equal("   1*         1         0         0     117.00     117.00     117.00     117.00     118.00        117.00             9", lines[header + 1]);
        Assert.Equal("    2         1         0         0      12.00      12.00      12.00      12.00      13.00         12.00            83", lines[header + 2]);
        Assert.StartsWith("* warm-up round", lines[header + 3], StringComparison.Ordinal);
        Assert.DoesNotContain("run(ms)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_merges_every_round_and_then_the_rounds_without_the_warm_up()
    {
        RoundTally[] tallies = [Tally(1, 117_000, 118_000), Tally(2, 12_000, 13_000), Tally(3, 14_000, 15_000)];
        BotReport report = Report(tallies);
        string text = Render(report);

        // All rounds: run = setup + the rounds' times (119 + 14 + 16 ms), as the original's single run was setup + its round.
        Assert.Contains("\nall rounds (warm-up included):\nsetup: 292.86ms, good: 6, bad: 0, run: 441.86ms\n   12.0000ms | min   \n", text, StringComparison.Ordinal);
        Assert.Contains("\nround: 149.00ms, delivery: 146.00ms, deliveries: 6/6, ", text, StringComparison.Ordinal);
        Assert.Contains("\nrounds 2-3 (without the warm-up):\ngood: 4, bad: 0, lost: 0, min: 12.0000ms, max: 15.0000ms\np50: 13.0", text, StringComparison.Ordinal);
        Assert.False(report.SummaryWithoutWarmUp!.WarmUp);
        Assert.Equal(4, report.SummaryWithoutWarmUp.Latency.Count);
    }

    [Fact]
    public void Json_names_setup_round_run_and_delivery_as_the_text_does()
    {
        BotReport report = Report(Tally(1, 31_000, 59_000), Tally(2, 12_000, 13_000));

        using JsonDocument json = JsonDocument.Parse(JsonSerializer.Serialize(report, BotReportJsonContext.Default.BotReport));
        JsonElement root = json.RootElement;
        JsonElement first = root.GetProperty("rounds")[0];

        Assert.Equal(SetupMs, root.GetProperty("setupMs").GetDouble());
        Assert.True(first.GetProperty("warmUp").GetBoolean());
        Assert.False(root.GetProperty("rounds")[1].GetProperty("warmUp").GetBoolean());
        Assert.Equal(60.0, first.GetProperty("roundMs").GetDouble(), 6);
        Assert.Equal(SetupMs + 60.0, first.GetProperty("runMs").GetDouble(), 6);
        Assert.Equal(59.0, first.GetProperty("deliveryMs").GetDouble(), 6);
        Assert.Equal(74.0, root.GetProperty("summary").GetProperty("roundMs").GetDouble(), 6);
        Assert.Equal(14.0, root.GetProperty("summaryWithoutWarmUp").GetProperty("roundMs").GetDouble(), 6);
    }
}
