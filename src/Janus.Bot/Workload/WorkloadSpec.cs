namespace Janus.Bot.Workload;

/// <summary>
/// What every process of a workload run must agree on to derive the same topics for the same client: it travels in
/// each worker's config, and the coordinator builds its <see cref="WorkloadTopics"/> from the same values.
/// </summary>
internal sealed class WorkloadSpec
{
    public WorkloadShape Shape { get; set; } = WorkloadShape.Mixed;

    /// <summary>All clients of the run (client numbers are global, over every worker).</summary>
    public int Clients { get; set; }

    /// <summary>Mixed: the number of topics.</summary>
    public int Topics { get; set; } = 1000;

    /// <summary>Mixed: the fewest and most topics a client holds; its count is drawn uniformly in between.</summary>
    public int MinTopicsPerClient { get; set; } = 1;

    public int MaxTopicsPerClient { get; set; } = 10;

    /// <summary>Mixed: Zipf's exponent s over topic rank, for interest and for publishes.</summary>
    public double Exponent { get; set; } = 1;

    /// <summary>Centrifugo: clients per group topic.</summary>
    public int GroupSize { get; set; } = 10;

    /// <summary>Centrifugo: the share of messages that go to personal topics (the rest to groups).</summary>
    public double PersonalShare { get; set; } = 0.5;

    /// <summary>Seeds the topic draws (interest, and the publisher's choice of topic).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Clients leaving (and as many arriving) per minute, in this worker (the coordinator splits the run's).</summary>
    public double ChurnPerMinute { get; set; }

    /// <summary>How long a leaving client still reads before it closes, so a message in flight when it left still arrives.</summary>
    public int LingerMs { get; set; } = 1000;

    /// <summary>The drain ends once no delivery arrived for this long (or at its deadline).</summary>
    public int QuietMs { get; set; } = 500;
}
