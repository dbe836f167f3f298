namespace Janus.Bot.Workload;

/// <summary>The ledger's totals: windows held against the log, messages due, lost, and windows whose receipts made no sense.</summary>
internal sealed class LossTally
{
    public long Windows { get; set; }

    public long Due { get; set; }

    public long Lost { get; set; }

    public long Unaccountable { get; set; }
}
