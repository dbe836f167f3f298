using static System.FormattableString;

namespace Janus.Bot.Results;

/// <summary>
/// Prints a run: the original's report per round, the added lines, and a summary when there are rounds.
/// </summary>
/// <remarks>
/// One word, one measure, everywhere (these lines, the summary table, <c>--json</c>, docs/bot.md): <b>setup</b> = from
/// the go signal to every client subscribed; <b>round</b> = from the publish to the end of the round (every expected
/// message in, or the window closed); <b>run</b> = setup + round, only where the original printed it; <b>delivery</b> =
/// from the publish to the last counted delivery. Round 1 is the warm-up round and says so.
/// </remarks>
internal static class ReportWriter
{
    /// <summary>The mark of the warm-up round in the summary table.</summary>
    public const string WarmUpMark = "*";

    public static void WriteText(TextWriter writer, BotReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        bool several = report.Rounds.Count > 1;
        if (report.ReconnectStorm is { } storm)
        {
            writer.WriteLine(Invariant($"reconnect storm: {storm.Cut} reset, {storm.Resumed} subscribed again, {storm.Failed} failed, {storm.NotResumed} not back, all subscribed again in {storm.AllResumedMs:F2}ms ({report.ReconnectStormMs:F2}ms as setup is timed)"));
            writer.WriteLine(Invariant($"  per client, reset to subscribed again: p50 {storm.ResumeTime.P50Ms:F2}ms, p99 {storm.ResumeTime.P99Ms:F2}ms, max {storm.ResumeTime.MaxMs:F2}ms"));
        }

        foreach (RoundReport round in report.Rounds)
        {
            if (several)
            {
                string warmUp = round.WarmUp ? " (warm-up: the first publish of this run)" : "";
                writer.WriteLine(Invariant($"round {round.Round}/{report.Rounds.Count}{warmUp}"));
            }

            WriteRound(writer, report, round);
            if (several)
            {
                writer.WriteLine();
            }
        }

        if (several && report.Summary is { } summary)
        {
            writer.WriteLine(Invariant($"summary: {report.Rounds.Count} rounds of {report.Clients} clients"));
            writer.WriteLine("round      good       bad      lost    min(ms)    p50(ms)    p99(ms)    max(ms)  round(ms)  delivery(ms)  deliveries/s");
            foreach (RoundReport round in report.Rounds)
            {
                string label = round.WarmUp ? Invariant($"{round.Round}{WarmUpMark}") : Invariant($"{round.Round}");
                writer.WriteLine(Invariant($"{label,5} {round.Good,9} {round.Bad,9} {round.Lost,9} {round.MinMs,10:F2} {round.P50Ms,10:F2} {round.P99Ms,10:F2} {round.MaxMs,10:F2} {round.RoundMs,10:F2} {round.DeliveryMs,13:F2} {round.DeliveriesPerSecond,13:F0}"));
            }

            writer.WriteLine(Invariant($"{WarmUpMark} warm-up round: the first run of the bot's delivery path, and of the server's fan-out path if it is fresh"));
            writer.WriteLine("all rounds (warm-up included):");
            WriteRound(writer, report, summary);
            if (report.SummaryWithoutWarmUp is { } warm)
            {
                writer.WriteLine(Invariant($"rounds 2-{report.Rounds.Count} (without the warm-up):"));
                writer.WriteLine(Invariant($"good: {warm.Good}, bad: {warm.Bad}, lost: {warm.Lost}, min: {warm.MinMs:F4}ms, max: {warm.MaxMs:F4}ms"));
                WritePercentiles(writer, warm);
            }
        }
    }

    private static void WriteRound(TextWriter writer, BotReport report, RoundReport round)
    {
        // The original's "run" counts from the bot's start, so it is setup + round.
        ClassicReport.Write(writer, report.SetupMs, round.Good, round.Bad, round.RunMs, round.Latency);
        WritePercentiles(writer, round);
        writer.WriteLine(Invariant($"lost: {round.Lost}, late: {round.Late}, duplicates: {round.Duplicates}, disconnected: {round.Disconnected}, errors: {round.Errors}, setup failures: {report.SetupFailures}, bot setup cpu: {report.BotSetupCpuMs:F0}ms"));
        writer.WriteLine(Invariant($"round: {round.RoundMs:F2}ms, delivery: {round.DeliveryMs:F2}ms, deliveries: {round.Deliveries}/{round.ExpectedDeliveries}, {round.DeliveriesPerSecond:F0}/s, bot cpu: {round.BotCpuMs:F1}ms ({round.BotCpuUsPerDelivery:F2}us per delivery, {round.BotSystemCpuMs:F1}ms in the kernel)"));
    }

    private static void WritePercentiles(TextWriter writer, RoundReport round) =>
        writer.WriteLine(Invariant($"p50: {round.P50Ms:F4}ms, p90: {round.P90Ms:F4}ms, p99: {round.P99Ms:F4}ms, p99.9: {round.P999Ms:F4}ms, mean: {round.MeanMs:F4}ms"));
}
