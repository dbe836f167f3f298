using Janus.Protocol;

namespace Janus.Client.Subscriptions;

/// <summary>
/// One subscribed topic: who receives its messages (per-subscription streams and/or the client-wide stream) and the
/// client's position in it, which outlives connections so a reconnect can resume from it. Guarded by the client's
/// topic lock.
/// </summary>
internal sealed class TopicState(string topic)
{
    public string Topic { get; } = topic;

    /// <summary>The last position received on the topic (from a <c>subscribed</c> answer or a delivery).</summary>
    public StreamPosition? Position { get; set; }

    /// <summary>The per-subscription streams; replaced, never changed in place, so the receive loop can read it unlocked.</summary>
    public JanusSubscription[] Subscriptions { get; set; } = [];

    /// <summary>Whether the client-wide <see cref="JanusClient.Messages"/> stream takes this topic.</summary>
    public bool ClientWide { get; set; }

    /// <summary>A subscribe of this topic has been answered at least once (the topic was live).</summary>
    public bool Confirmed { get; set; }

    public bool IsEmpty => !ClientWide && Subscriptions.Length == 0;

    /// <summary>
    /// Takes a subscribe's answer. A fresh subscription, a new epoch, or an answer that says the gap was not filled
    /// moves the position to the server's; otherwise the client's own (possibly older) position stands, because the
    /// messages between the two are still on their way.
    /// </summary>
    public void Apply(StreamPosition? answered, bool? recovered)
    {
        if (answered is not { } position)
        {
            return;
        }

        if (Position is not { } current || !string.Equals(current.Epoch, position.Epoch, StringComparison.Ordinal) || recovered == false)
        {
            Position = position;
        }
    }
}
