namespace Janus.Bot.Workload;

/// <summary>
/// One workload client's state beside its connection slot, held by value in its loop's array: no object per client,
/// no allocation per message. Its topics' windows live in the loop's <see cref="TopicWindow"/> array.
/// </summary>
internal struct WorkloadClient
{
    public WorkloadPhase Phase;

    /// <summary>Topics held (windows used).</summary>
    public int TopicCount;

    /// <summary>Acknowledgements received since the connect: the k-th answers the k-th subscribe.</summary>
    public int Acked;

    /// <summary>When it started leaving (unix µs).</summary>
    public long LeaveUs;
}
