namespace Janus.Server.Fanout;

/// <summary>
/// A slice of a topic's subscribers with its own lock, so that a burst of subscribes to one topic from many
/// connections does not queue up on a single lock. Dense arrays, swap-remove, grow by doubling: no copy per
/// subscribe.
/// </summary>
/// <remarks>
/// The queues are kept in an array of their own, beside the subscriptions that remember their slots: fan-out walks
/// only the queues, so reaching a subscriber's queue costs no detour through its subscription object.
/// </remarks>
internal sealed class TopicStripe
{
    private const int InitialCapacity = 4;

    private readonly Lock _lock = new();
    private Subscription[] _subscriptions = [];
    private OutboundQueue[] _queues = [];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(Subscription subscription)
    {
        lock (_lock)
        {
            if (_count == _subscriptions.Length)
            {
                int capacity = Math.Max(InitialCapacity, _subscriptions.Length * 2);
                Array.Resize(ref _subscriptions, capacity);
                Array.Resize(ref _queues, capacity);
            }

            subscription.Slot = _count;
            subscription.Stripe = this;
            _subscriptions[_count] = subscription;
            _queues[_count] = subscription.Queue;
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
            Subscription moved = _subscriptions[last];
            _subscriptions[slot] = moved;
            _queues[slot] = moved.Queue;
            moved.Slot = slot;
            _subscriptions[last] = null!;
            _queues[last] = null!;
            subscription.Slot = -1;
            Volatile.Write(ref _count, last);
            if (_subscriptions.Length > 64 && last < _subscriptions.Length / 4)
            {
                Array.Resize(ref _subscriptions, _subscriptions.Length / 2);
                Array.Resize(ref _queues, _queues.Length / 2);
            }
        }
    }

    /// <summary>Points a subscription at another queue (a resume moved it to the resuming session).</summary>
    public void Repoint(Subscription subscription, OutboundQueue queue)
    {
        lock (_lock)
        {
            if (subscription.Slot >= 0)
            {
                _queues[subscription.Slot] = queue;
            }

            subscription.Queue = queue;
        }
    }

    /// <summary>
    /// Offers several messages to every queue of the stripe, each queue taking all of them under one lock (the
    /// cheap part of an enqueue is the append; the expensive part is reaching and locking the queue). Each message
    /// gets one reference per queue up front (one atomic add per stripe, not per subscriber) and each refusal gives
    /// one back.
    /// </summary>
    public void FanOut(ReadOnlySpan<OutboundMessage> messages, int totalBytes, Span<int> refused, ref int subscribers, ref int overflowed)
    {
        lock (_lock)
        {
            int count = _count;
            OutboundQueue[] queues = _queues;
            for (int m = 0; m < messages.Length; m++)
            {
                messages[m].AddReferences(count);
            }

            subscribers += count;
            for (int i = 0; i < count; i++)
            {
                EnqueueResult result = queues[i].TryEnqueueMany(messages, totalBytes);
                if (result == EnqueueResult.Queued)
                {
                    continue;
                }

                for (int m = 0; m < messages.Length; m++)
                {
                    messages[m].Release();
                    refused[m]++;
                }

                if (result == EnqueueResult.Overflowed)
                {
                    overflowed++;
                }
            }
        }
    }
}
