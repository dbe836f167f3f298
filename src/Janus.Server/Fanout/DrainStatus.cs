namespace Janus.Server.Fanout;

/// <summary>What <see cref="OutboundQueue.DequeueBatch"/> found.</summary>
public enum DrainStatus
{
    /// <summary>Messages were taken; write them and call again.</summary>
    Items,

    /// <summary>Nothing queued; the drain is over until the sink is told again.</summary>
    Idle,

    /// <summary>The queue was closed gracefully and everything in it has been taken: finish the output.</summary>
    Closed,
}
