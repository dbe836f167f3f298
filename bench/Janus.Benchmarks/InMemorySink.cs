using Janus.Server.Fanout;

namespace Janus.Benchmarks;

/// <summary>
/// Stands in for a connection's send loop without a socket: told that its queue has data, it puts itself on a ready
/// list (as the real connection queues itself on a sender thread); the benchmark then drains every ready queue with
/// <see cref="OutboundQueue.DequeueBatch"/> and releases what it took, which is all a send loop does besides writing.
/// </summary>
internal sealed class InMemorySink : IOutboundSink
{
    private const int MaxBatchMessages = 64;
    private const int MaxBatchBytes = 64 * 1024;

    private readonly OutboundQueue _queue;
    private readonly ReadyList _ready;
    private readonly OutboundMessage?[] _batch;

    public InMemorySink(OutboundQueue queue, ReadyList ready, OutboundMessage?[] sharedBatch)
    {
        _queue = queue;
        _ready = ready;
        _batch = sharedBatch;
    }

    /// <summary>Bytes "sent" so far, so the work cannot be optimised away.</summary>
    public long BytesDrained { get; private set; }

    public void OnDataAvailable() => _ready.Add(this);

    public void DrainInline() => Drain();

    public void OnOverflow() => throw new InvalidOperationException("A benchmark queue overflowed: the drain is not keeping up.");

    /// <summary>Takes everything queued, batch by batch, until the queue is idle.</summary>
    public void Drain()
    {
        while (_queue.DequeueBatch(this, _batch, MaxBatchBytes, out int taken) == DrainStatus.Items)
        {
            for (int i = 0; i < taken; i++)
            {
                OutboundMessage message = _batch[i]!;
                BytesDrained += message.Size;
                message.Release();
                _batch[i] = null;
            }
        }
    }
}
