using static System.FormattableString;

namespace Janus.Bot.Results;

/// <summary>Prints a run: the original's report per round, the added lines, and a summary when there are rounds.</summary>
internal static class ReportWriter
{
    public static void WriteText(TextWriter writer, BotReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        bool several = report.Rounds.Count > 1;
        foreach (RoundReport round in report.Rounds)
        {
            if (several)
            {
                writer.WriteLine(Invariant($"round {round.Round}/{report.Rounds.Count}"));
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
            writer.WriteLine("round      good       bad      lost    min(ms)    p50(ms)    p99(ms)    max(ms)    run(ms)  deliveries/s");
            foreach (RoundReport round in report.Rounds)
            {
                writer.WriteLine(Invariant($"{round.Round,5} {round.Good,9} {round.Bad,9} {round.Lost,9} {round.MinMs,10:F2} {round.P50Ms,10:F2} {round.P99Ms,10:F2} {round.MaxMs,10:F2} {round.RunMs,10:F2} {round.DeliveriesPerSecond,13:F0}"));
            }

            writer.WriteLine("all rounds:");
            WriteRound(writer, report, summary);
        }
    }

    private static void WriteRound(TextWriter writer, BotReport report, RoundReport round)
    {
        // The original's "run" counts from the bot's start, so it includes the setup.
        ClassicReport.Write(writer, report.SetupMs, round.Good, round.Bad, report.SetupMs + round.RunMs, round.Latency);
        writer.WriteLine(Invariant($"p50: {round.P50Ms:F4}ms, p90: {round.P90Ms:F4}ms, p99: {round.P99Ms:F4}ms, p99.9: {round.P999Ms:F4}ms, mean: {round.MeanMs:F4}ms"));
        writer.WriteLine(Invariant($"lost: {round.Lost}, late: {round.Late}, duplicates: {round.Duplicates}, disconnected: {round.Disconnected}, errors: {round.Errors}, setup failures: {report.SetupFailures}, bot setup cpu: {report.BotSetupCpuMs:F0}ms"));
        writer.WriteLine(Invariant($"deliveries: {round.Deliveries}/{round.ExpectedDeliveries} in {round.DeliveryMs:F2}ms, {round.DeliveriesPerSecond:F0}/s, bot cpu: {round.BotCpuMs:F1}ms ({round.BotCpuUsPerDelivery:F2}us per delivery, {round.BotSystemCpuMs:F1}ms in the kernel)"));
    }
}
