namespace Janus.Server.Fanout;

/// <summary>What <see cref="OutboundQueue.TryEnqueue"/> did with a message.</summary>
public enum EnqueueResult
{
    /// <summary>Queued; the queue now holds a reference.</summary>
    Queued,

    /// <summary>The queue is closed or overflowed; the caller keeps its reference.</summary>
    Rejected,

    /// <summary>This message pushed the queue past its bound; the queue is now overflowed and the caller keeps its reference.</summary>
    Overflowed,
}
