namespace Janus.Bot.Workload;

/// <summary>Which steady-rate workload <c>janus-bot workload</c> runs (docs/bot.md, "Steady-rate workloads").</summary>
internal enum WorkloadShape
{
    /// <summary>Clients over many topics with Zipf-distributed interest; publishes to topics by the same law.</summary>
    Mixed,

    /// <summary>
    /// The shape of Centrifugo's million-connection test: every client in a personal topic and a group topic, messages
    /// to both, clients leaving and arriving all the time.
    /// </summary>
    Centrifugo,
}
