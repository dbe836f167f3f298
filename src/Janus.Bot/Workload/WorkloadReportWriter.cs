using Janus.Bot.Storm;
using static System.FormattableString;

namespace Janus.Bot.Workload;

/// <summary>Prints a workload's report as text.</summary>
internal static class WorkloadReportWriter
{
    public static void WriteText(TextWriter writer, WorkloadReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        string interest = report.Shape == "mixed"
            ? Invariant($"{report.Topics} topics, {report.MinTopicsPerClient}-{report.MaxTopicsPerClient} per client (uniform), Zipf s={report.Exponent:0.##}")
            : Invariant($"personal topics and groups of {report.GroupSize}, {report.PersonalShare * 100:0.#}% of messages personal");
        writer.WriteLine(Invariant($"workload {report.Shape} ({report.Protocol}): {report.Clients} clients, {report.Workers} workers, {interest}"));
        writer.WriteLine(Invariant($"setup: {report.SetupMs:F2}ms, subscribed: {report.Subscribed}, setup failures: {report.SetupFailures}"));
        writer.WriteLine(Invariant($"published: {report.Published} in {report.PublishMs / 1000:F1}s, {report.PublishedPerSecond:F0}/s (asked {report.Rate:0.##}/s over {report.Publishers} connections), fan-out {report.MeanFanOut:F1} per message"));
        writer.WriteLine(Invariant($"deliveries: {report.Deliveries}, {report.DeliveriesPerSecond:F0}/s; due to connected clients: {report.Due}, lost: {report.Lost}"));
        writer.WriteLine(Invariant($"out of order: {report.OutOfOrder}, errors: {report.Errors}, dropped: {report.Dropped}, unaccountable: {report.Unaccountable}"));
        if (report.ChurnPerMinute > 0 || report.Leaves > 0)
        {
            writer.WriteLine(Invariant($"churn: {report.Leaves} left, {report.Joins} joined ({report.JoinFailures} failed, {report.ChurnSkipped} skipped), {report.ChurnPerMinuteAchieved:F0}/min (asked {report.ChurnPerMinute:0.##}/min), linger {report.LingerMs:0}ms, connected at the end: {report.ConnectedAtEnd}"));
        }

        double perDelivery = report.Deliveries == 0 ? 0 : report.BotReceiveCpuMs * 1000 / report.Deliveries;
        writer.WriteLine(Invariant($"bot cpu: publishing {report.BotPublishCpuMs:F0}ms, receiving {report.BotReceiveCpuMs:F0}ms ({perDelivery:F2}us per delivery)"));
        StormLatency l = report.Latency;
        writer.WriteLine(Invariant($"latency: {l.Count} deliveries, p50: {l.P50Ms:F4}ms, p90: {l.P90Ms:F4}ms, p99: {l.P99Ms:F4}ms, p99.9: {l.P999Ms:F4}ms, max: {l.MaxMs:F4}ms, mean: {l.MeanMs:F4}ms"));
    }
}
