namespace Janus.Bot.Worker;

/// <summary>
/// One bot client's connection, held by value in its receive loop's array: no object per client, no allocation per
/// message. The mode's own state (a round's count, a storm's positions) lives in a parallel array of its own.
/// </summary>
internal struct ConnectionSlot
{
    public int Fd;
    public ConnectionState State;
    public byte Attempts;
    public int Host;
    public int Source;

    /// <summary>Subscribed at setup: the client counts from then on, and a later connect is a comeback, not setup.</summary>
    public bool Joined;

    /// <summary>Given up (setup failed, or a comeback ran out of attempts).</summary>
    public bool Failed;

    /// <summary>The start of a message cut off at the end of a receive; rented only when a message straddles reads.</summary>
    public byte[]? Pending;
    public int PendingLength;
}
