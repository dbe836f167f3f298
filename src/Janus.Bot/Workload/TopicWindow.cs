namespace Janus.Bot.Workload;

/// <summary>
/// One client's receipts on one topic since its subscribe was acknowledged (<see cref="LossLedger"/> reads them):
/// message numbers arrive in order, so the first, the last and the count say what is missing.
/// </summary>
internal struct TopicWindow
{
    public int Topic;

    /// <summary>When the subscribe's acknowledgement arrived (unix µs); 0 before.</summary>
    public long AckUs;

    public long First;

    public long Last;

    public long Count;
}
