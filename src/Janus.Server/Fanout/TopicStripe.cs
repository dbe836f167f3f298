namespace Janus.Server.Fanout;

/// <summary>
/// A slice of a topic's subscribers with its own lock, so that a burst of subscribes to one topic from many
/// connections does not queue up on a single lock. Dense array, swap-remove, grows by doubling: no copy per subscribe.
/// </summary>
internal sealed class TopicStripe
{
    private const int InitialCapacity = 4;

    private readonly Lock _lock = new();
    private Subscription[] _items = [];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(Subscription subscription)
    {
        lock (_lock)
        {
            if (_count == _items.Length)
            {
                Array.Resize(ref _items, Math.Max(InitialCapacity, _items.Length * 2));
            }

            subscription.Slot = _count;
            _items[_count] = subscription;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            int slot = subscription.Slot;
            if (slot < 0)
            {
                return;
            }

            int last = _count - 1;
            Subscription moved = _items[last];
            _items[slot] = moved;
            moved.Slot = slot;
            _items[last] = null!;
            subscription.Slot = -1;
            Volatile.Write(ref _count, last);
            if (_items.Length > 64 && last < _items.Length / 4)
            {
                Array.Resize(ref _items, _items.Length / 2);
            }
        }
    }

    /// <summary>
    /// Offers the message to every queue of the stripe. The message gets one reference per queue up front (one
    /// atomic add per stripe, not per subscriber) and each refusal gives one back.
    /// </summary>
    public void FanOut(OutboundMessage message, ref int subscribers, ref int delivered, ref int overflowed)
    {
        lock (_lock)
        {
            int count = _count;
            Subscription[] items = _items;
            message.AddReferences(count);
            subscribers += count;
            for (int i = 0; i < count; i++)
            {
                EnqueueResult result = items[i].Queue.TryEnqueue(message);
                if (result == EnqueueResult.Queued)
                {
                    delivered++;
                    continue;
                }

                message.Release();
                if (result == EnqueueResult.Overflowed)
                {
                    overflowed++;
                }
            }
        }
    }
}
