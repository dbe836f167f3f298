using static System.FormattableString;

namespace Janus.Bot.Storm;

/// <summary>Prints a storm's report as text.</summary>
internal static class StormReportWriter
{
    public static void WriteText(TextWriter writer, StormReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.WriteLine(Invariant($"storm: {report.Clients} clients, {report.Workers} workers, {report.Topics} topics ({report.TopicsPerClient} per client), {report.Rate:0.##} msg/s, {report.Cuts.Count} cuts of {report.CutFraction * 100:0.##}%, outage {report.OutageMs:0}ms{(report.ResumeOnNextHost ? ", resume on the next host" : "")}"));
        writer.WriteLine(Invariant($"setup: {report.SetupMs:F2}ms, subscribed: {report.Subscribed}, setup failures: {report.SetupFailures}"));
        foreach (StormCutReport cut in report.Cuts)
        {
            WriteCut(writer, Invariant($"cut {cut.Round}"), cut);
        }

        if (report.Unplanned is { } unplanned)
        {
            WriteCut(writer, "dropped by the server side", unplanned);
        }

        writer.WriteLine(Invariant($"published: {report.Published} in {report.PublishMs / 1000:F1}s, deliveries: {report.Deliveries}"));
        writer.WriteLine(Invariant($"lost: {report.Lost}, duplicated: {report.Duplicates}, out of order: {report.OutOfOrder}, recovered:false: {report.RecoveredFalse}, resume failures: {report.ResumeFailures}, errors: {report.Errors}"));
        WriteLatency(writer, "replayed", report.Replayed);
        WriteLatency(writer, "live", report.Live);
    }

    private static void WriteCut(TextWriter writer, string label, StormCutReport cut)
    {
        writer.WriteLine(Invariant($"{label}: {cut.Cut} cut, {cut.Resumed} resumed ({cut.RecoveredFalse} recovered:false, {cut.Failed} failed, {cut.NotResumed} not resumed), all resumed in {cut.AllResumedMs:F2}ms, all caught up in {cut.AllCaughtUpMs:F2}ms"));
        writer.WriteLine(Invariant($"  per client: resumed p50 {cut.ResumeTime.P50Ms:F2}ms, p99 {cut.ResumeTime.P99Ms:F2}ms, max {cut.ResumeTime.MaxMs:F2}ms; caught up p50 {cut.CatchUpTime.P50Ms:F2}ms, p99 {cut.CatchUpTime.P99Ms:F2}ms, max {cut.CatchUpTime.MaxMs:F2}ms"));
    }

    private static void WriteLatency(TextWriter writer, string label, StormLatency latency) =>
        writer.WriteLine(Invariant($"{label}: {latency.Count} messages, p50: {latency.P50Ms:F4}ms, p90: {latency.P90Ms:F4}ms, p99: {latency.P99Ms:F4}ms, p99.9: {latency.P999Ms:F4}ms, max: {latency.MaxMs:F4}ms, mean: {latency.MeanMs:F4}ms"));
}
