using Janus.Server.Fanout;

namespace Janus.Server.Tests.Fanout;

/// <summary>A connection's stand-in with no socket: counts wake-ups and drains on demand, as a send loop would.</summary>
internal sealed class RecordingSink : IOutboundSink
{
    private readonly OutboundQueue _queue;
    private readonly OutboundMessage?[] _batch = new OutboundMessage?[64];

    public RecordingSink(OutboundQueue queue)
    {
        _queue = queue;
        queue.Attach(this);
    }

    public int Wakeups { get; private set; }

    public int Overflows { get; private set; }

    public void OnDataAvailable() => Wakeups++;

    public void DrainInline() => Wakeups++;

    public void OnOverflow() => Overflows++;

    /// <summary>Drains like a send loop: one batch per "write", until idle; returns each write's messages.</summary>
    public List<OutboundMessage[]> Drain(int maxBytes = 64 * 1024)
    {
        var writes = new List<OutboundMessage[]>();
        while (_queue.DequeueBatch(this, _batch, maxBytes, out int taken) == DrainStatus.Items)
        {
            var write = new OutboundMessage[taken];
            for (int i = 0; i < taken; i++)
            {
                write[i] = _batch[i]!;
                _batch[i] = null;
            }

            writes.Add(write);
        }

        return writes;
    }

    /// <summary>Drains and releases without keeping anything (allocates nothing).</summary>
    public int DrainAndRelease()
    {
        int drained = 0;
        while (_queue.DequeueBatch(this, _batch, 64 * 1024, out int taken) == DrainStatus.Items)
        {
            for (int i = 0; i < taken; i++)
            {
                _batch[i]!.Release();
                _batch[i] = null;
            }

            drained += taken;
        }

        return drained;
    }
}
