using System.Text.Json.Serialization;

namespace Janus.Bot.Results;

/// <summary>One round as reported: the merged tally of every worker, with the derived figures (bad, lost, rates).</summary>
internal sealed class RoundReport
{
    /// <summary>The round number from 1, or 0 for the summary of all rounds.</summary>
    public int Round { get; set; }

    /// <summary>Clients that took part (for the summary: clients × rounds).</summary>
    public long Clients { get; set; }

    public long Good { get; set; }

    /// <summary>Clients that did not get every expected message within the window (including clients never subscribed).</summary>
    public long Bad { get; set; }

    /// <summary>Expected deliveries to subscribed clients that did not arrive within the window.</summary>
    public long Lost { get; set; }

    public long Late { get; set; }

    public long Duplicates { get; set; }

    public long Disconnected { get; set; }

    public long Errors { get; set; }

    public long Deliveries { get; set; }

    public long ExpectedDeliveries { get; set; }

    /// <summary>From the first publish to the end of the round (all delivered, or the window closed).</summary>
    public double RunMs { get; set; }

    /// <summary>From the first publish to the last delivery.</summary>
    public double DeliveryMs { get; set; }

    /// <summary>Deliveries per second over <see cref="DeliveryMs"/>.</summary>
    public double DeliveriesPerSecond { get; set; }

    /// <summary>CPU the bot's workers used in the round (user + system), and per delivery.</summary>
    public double BotCpuMs { get; set; }

    public double BotCpuUsPerDelivery { get; set; }

    /// <summary>The kernel's share of <see cref="BotCpuMs"/>.</summary>
    public double BotSystemCpuMs { get; set; }

    public double MinMs { get; set; }

    public double MeanMs { get; set; }

    public double P50Ms { get; set; }

    public double P90Ms { get; set; }

    public double P99Ms { get; set; }

    public double P999Ms { get; set; }

    public double MaxMs { get; set; }

    public IReadOnlyList<ReportBucket> Buckets { get; set; } = [];

    [JsonIgnore]
    public LatencyStats Latency { get; private set; } = LatencyStats.Empty();

    /// <summary>The report of one round from its merged tally.</summary>
    public static RoundReport From(RoundTally tally, long clients, long publishUs)
    {
        ArgumentNullException.ThrowIfNull(tally);
        double runMs = tally.DoneUs > publishUs ? (tally.DoneUs - publishUs) / 1000.0 : 0;
        double deliveryMs = tally.LastDeliveryUs > publishUs ? (tally.LastDeliveryUs - publishUs) / 1000.0 : 0;
        return Build(tally, clients, runMs, deliveryMs);
    }

    /// <summary>All rounds together: counts and latencies added, times summed, rates over the summed delivery time.</summary>
    public static RoundReport Summarize(IReadOnlyList<RoundTally> tallies, IReadOnlyList<RoundReport> rounds, long clients)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(rounds);
        RoundTally merged = RoundTally.Merge(tallies);
        merged.Round = 0;
        double runMs = 0, deliveryMs = 0;
        foreach (RoundReport round in rounds)
        {
            runMs += round.RunMs;
            deliveryMs += round.DeliveryMs;
        }

        return Build(merged, clients * rounds.Count, runMs, deliveryMs);
    }

    private static RoundReport Build(RoundTally tally, long clients, double runMs, double deliveryMs)
    {
        LatencyStats latency = tally.Latency;
        return new RoundReport
        {
            Round = tally.Round,
            Clients = clients,
            Good = tally.Good,
            Bad = clients - tally.Good,
            Lost = Math.Max(0, tally.ExpectedDeliveries - tally.Deliveries),
            Late = tally.Late,
            Duplicates = tally.Duplicates,
            Disconnected = tally.Disconnected,
            Errors = tally.Errors,
            Deliveries = tally.Deliveries,
            ExpectedDeliveries = tally.ExpectedDeliveries,
            RunMs = runMs,
            DeliveryMs = deliveryMs,
            DeliveriesPerSecond = deliveryMs > 0 ? tally.Deliveries / (deliveryMs / 1000.0) : 0,
            BotCpuMs = tally.BotCpuUs / 1000.0,
            BotSystemCpuMs = tally.BotSystemCpuUs / 1000.0,
            BotCpuUsPerDelivery = tally.Deliveries == 0 ? 0 : (double)tally.BotCpuUs / tally.Deliveries,
            MinMs = latency.MinMicroseconds / 1000.0,
            MeanMs = latency.MeanMicroseconds / 1000.0,
            P50Ms = latency.Percentile(50) / 1000.0,
            P90Ms = latency.Percentile(90) / 1000.0,
            P99Ms = latency.Percentile(99) / 1000.0,
            P999Ms = latency.Percentile(99.9) / 1000.0,
            MaxMs = latency.MaxMicroseconds / 1000.0,
            Buckets = ClassicReport.Buckets(latency),
            Latency = latency,
        };
    }
}
