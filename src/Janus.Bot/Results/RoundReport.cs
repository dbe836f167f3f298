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

    /// <summary>
    /// True for round 1: the run's first publish, so the first time the bot's delivery path (and, against a fresh
    /// server, the server's fan-out path) runs. For the summaries: whether round 1 is among the rounds merged.
    /// </summary>
    public bool WarmUp { get; set; }

    /// <summary>The round: from the first publish to the end of the round (every expected message in, or the window closed).</summary>
    public double RoundMs { get; set; }

    /// <summary>The original's "run": setup plus the round (for a summary: setup plus the rounds' times).</summary>
    public double RunMs { get; set; }

    /// <summary>The delivery time: from the first publish to the last counted delivery.</summary>
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

    /// <summary>The report of one round from its merged tally; <paramref name="setupMs"/> is the run's setup time.</summary>
    public static RoundReport From(RoundTally tally, long clients, long publishUs, double setupMs)
    {
        ArgumentNullException.ThrowIfNull(tally);
        double roundMs = tally.DoneUs > publishUs ? (tally.DoneUs - publishUs) / 1000.0 : 0;
        double deliveryMs = tally.LastDeliveryUs > publishUs ? (tally.LastDeliveryUs - publishUs) / 1000.0 : 0;
        return Build(tally, clients, tally.Round == 1, setupMs, roundMs, deliveryMs);
    }

    /// <summary>
    /// Rounds together: counts and latencies added, round and delivery times summed, rates over the summed delivery
    /// time, run = setup + the summed round times.
    /// </summary>
    public static RoundReport Summarize(IReadOnlyList<RoundTally> tallies, IReadOnlyList<RoundReport> rounds, long clients, double setupMs)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(rounds);
        RoundTally merged = RoundTally.Merge(tallies);
        merged.Round = 0;
        double roundMs = 0, deliveryMs = 0;
        foreach (RoundReport round in rounds)
        {
            roundMs += round.RoundMs;
            deliveryMs += round.DeliveryMs;
        }

        return Build(merged, clients * rounds.Count, rounds.Any(r => r.WarmUp), setupMs, roundMs, deliveryMs);
    }

    private static RoundReport Build(RoundTally tally, long clients, bool warmUp, double setupMs, double roundMs, double deliveryMs)
    {
        LatencyStats latency = tally.Latency;
        return new RoundReport
        {
            Round = tally.Round,
            WarmUp = warmUp,
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
            RoundMs = roundMs,
            RunMs = setupMs + roundMs,
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
