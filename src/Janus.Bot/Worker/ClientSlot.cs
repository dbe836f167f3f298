namespace Janus.Bot.Worker;

/// <summary>One bot client, held by value in its receive loop's array: no object per client, no allocation per message.</summary>
internal struct ClientSlot
{
    public int Fd;
    public ClientPhase Phase;
    public byte Attempts;
    public int Host;
    public int Source;
    public int Topic;

    /// <summary>Deliveries counted in the current round.</summary>
    public int Received;

    /// <summary>The start of a message cut off at the end of a receive; rented only when a message straddles reads.</summary>
    public byte[]? Pending;
    public int PendingLength;
}
