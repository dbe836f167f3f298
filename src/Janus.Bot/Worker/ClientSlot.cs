namespace Janus.Bot.Worker;

/// <summary>
/// One <c>test</c> client's state beside its <see cref="ConnectionSlot"/>, held by value in the loop's array: no
/// object per client, no allocation per message.
/// </summary>
internal struct ClientSlot
{
    public ClientPhase Phase;
    public int Topic;

    /// <summary>Deliveries counted in the current round.</summary>
    public int Received;
}
