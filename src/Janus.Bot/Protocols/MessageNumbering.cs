namespace Janus.Bot.Protocols;

/// <summary>
/// Numbers the messages a steady-rate workload publishes (1, 2, 3, …) in their <c>message_id</c>, so a subscriber can
/// say which message it got and the coordinator which were due to it. Ambient for the publishing flow
/// (<see cref="AsyncLocal{T}"/>): <see cref="TestMessage.WriteStampedDelivery"/> and the Janus stream publisher number
/// what they write while one is current, and a round of <c>test</c> (none current) keeps the original's empty
/// <c>message_id</c>. Every publisher adapter that writes the stamped JSON through <see cref="TestMessage"/> (Redis,
/// and any other protocol that does the same) is numbered without knowing it; a flow of its own keeps concurrent
/// runs in one process (tests) apart.
/// </summary>
internal sealed class MessageNumbering
{
    private static readonly AsyncLocal<MessageNumbering?> CurrentNumbering = new();

    /// <summary>The numbering of the current flow, if it has one.</summary>
    public static MessageNumbering? Current => CurrentNumbering.Value;

    /// <summary>The last number given out; 0 before the first.</summary>
    public long Last { get; private set; }

    /// <summary>Starts numbering from 1 in the calling flow (and the flows it starts).</summary>
    public static MessageNumbering Begin()
    {
        var numbering = new MessageNumbering();
        CurrentNumbering.Value = numbering;
        return numbering;
    }

    /// <summary>The next message's number.</summary>
    public long Next() => ++Last;
}
