namespace Janus.Server.Fanout;

/// <summary>
/// A topic's last messages, oldest first, bounded by count and age: what a subscribe from a position, a resume and
/// the history API replay. It holds one reference to each message (the pooled buffer stays alive until it leaves the
/// history), so keeping a message costs an array slot, not a copy.
/// </summary>
/// <remarks>
/// Every member is called under the topic's publish lock, which is also what orders appends: the history's offsets
/// are consecutive. While it holds anything, the history holds a reservation on its topic, so the topic (its offsets
/// and epoch) outlives its last subscriber until the history is empty.
/// </remarks>
internal sealed class TopicHistory
{
    private readonly int _capacity;
    private readonly long _ttlTicks;
    private OutboundMessage[] _ring = [];
    private int _head;
    private int _count;

    public TopicHistory(int capacity, long ttlTicks)
    {
        _capacity = capacity;
        _ttlTicks = ttlTicks;
    }

    /// <summary>Messages held now.</summary>
    public int Count => _count;

    /// <summary>Whether the history holds a reservation on its topic.</summary>
    public bool HoldsReservation { get; set; }

    /// <summary>The offset of the oldest message held, or 0 when empty.</summary>
    public long OldestOffset => _count == 0 ? 0 : _ring[_head].Offset;

    /// <summary>Keeps a stamped message (takes a reference of its own), evicting the oldest past the bound.</summary>
    public void Append(OutboundMessage message)
    {
        if (_count == _capacity)
        {
            EvictOldest();
        }

        if (_count == _ring.Length)
        {
            Grow();
        }

        message.AddReferences(1);
        message.SetInHistory(true);
        _ring[(_head + _count) % _ring.Length] = message;
        _count++;
    }

    /// <summary>Drops messages stamped before <paramref name="nowTicks"/> minus the age bound; true if now empty.</summary>
    public bool Expire(long nowTicks)
    {
        while (_count > 0 && nowTicks - _ring[_head].FanoutStartedAt >= _ttlTicks)
        {
            EvictOldest();
        }

        if (_count == 0 && _ring.Length > 0)
        {
            _ring = [];
            _head = 0;
        }

        return _count == 0;
    }

    /// <summary>
    /// Whether the history holds every message with an offset in (<paramref name="after"/>, <paramref name="before"/>);
    /// if so, where the first of them is (an index for <see cref="Get"/>) and how many there are.
    /// </summary>
    public bool Covers(long after, long before, out int first, out int count)
    {
        first = 0;
        count = (int)Math.Max(0, before - after - 1);
        if (count == 0)
        {
            return true;
        }

        long oldest = OldestOffset;
        if (_count == 0 || after + 1 < oldest || before - 1 > _ring[(_head + _count - 1) % _ring.Length].Offset)
        {
            return false;
        }

        first = (int)(after + 1 - oldest);
        return true;
    }

    /// <summary>The message at <paramref name="index"/> (0 is the oldest).</summary>
    public OutboundMessage Get(int index) => _ring[(_head + index) % _ring.Length];

    /// <summary>Gives back every reference (the topic is gone).</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            OutboundMessage message = _ring[(_head + i) % _ring.Length];
            _ring[(_head + i) % _ring.Length] = null!;
            message.SetInHistory(false);
            message.Release();
        }

        _ring = [];
        _head = 0;
        _count = 0;
    }

    private void EvictOldest()
    {
        OutboundMessage oldest = _ring[_head];
        _ring[_head] = null!;
        _head = (_head + 1) % _ring.Length;
        _count--;
        oldest.SetInHistory(false);
        oldest.Release();
    }

    private void Grow()
    {
        int capacity = Math.Min(_capacity, Math.Max(8, _ring.Length * 2));
        var ring = new OutboundMessage[capacity];
        for (int i = 0; i < _count; i++)
        {
            ring[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = ring;
        _head = 0;
    }
}
