namespace Janus.Server.Fanout;

/// <summary>
/// The transport side of an <see cref="OutboundQueue"/>: it is told when there is something to send and drains the
/// queue on its own thread. The queue never calls it under its lock.
/// </summary>
public interface IOutboundSink
{
    /// <summary>
    /// The queue went from idle to holding data. The sink now owns the drain until
    /// <see cref="OutboundQueue.DequeueBatch"/> returns <see cref="DrainStatus.Idle"/> or <see cref="DrainStatus.Closed"/>.
    /// Must not block: schedule the drain.
    /// </summary>
    void OnDataAvailable();

    /// <summary>
    /// Like <see cref="OnDataAvailable"/>, but the drain runs now on the calling thread: for a handful of queues (a
    /// connection's own greeting or ACK) waking another thread costs more than the write itself.
    /// </summary>
    void DrainInline();

    /// <summary>The queue passed its bound: the client is a slow consumer. Called once.</summary>
    void OnOverflow();
}
