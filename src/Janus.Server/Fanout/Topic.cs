namespace Janus.Server.Fanout;

/// <summary>
/// A topic and its subscribers, spread over stripes by queue id. Publishes to one topic are serialised by
/// <see cref="PublishLock"/>, which is what keeps per-topic order the same for every subscriber.
/// </summary>
/// <remarks>
/// Lifetime: a subscriber first takes a reservation (<see cref="TryReserve"/>), then joins a stripe; leaving gives
/// the reservation back, and the last one marks the topic dead so the registry can drop it. A dead topic is never
/// revived; a later subscribe creates a new one.
/// Lock order: <see cref="PublishLock"/>, then a stripe lock, then a queue lock.
/// </remarks>
public sealed class Topic
{
    /// <summary>Stripes per topic; a power of two.</summary>
    internal const int StripeCount = 16;

    private readonly TopicStripe?[] _stripes = new TopicStripe?[StripeCount];
    private readonly Lock _pendingLock = new();
    private PendingPublish[] _pending = new PendingPublish[4];
    private int _pendingCount;
    private bool _combining;
    private int _reservations;

    internal Topic(string name) => Name = name;

    /// <summary>The topic name.</summary>
    public string Name { get; }

    /// <summary>Serialises fan-out of this topic's messages.</summary>
    internal Lock PublishLock { get; } = new();

    /// <summary>Current subscribers (a moment's snapshot).</summary>
    public int SubscriberCount => Math.Max(0, Volatile.Read(ref _reservations));

    /// <summary>Whether the topic has lost its last subscriber and left the registry.</summary>
    public bool IsDead => Volatile.Read(ref _reservations) < 0;

    internal bool TryReserve()
    {
        int current = Volatile.Read(ref _reservations);
        while (current >= 0)
        {
            int seen = Interlocked.CompareExchange(ref _reservations, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Gives a reservation back; true if that was the last one and the topic is now dead.</summary>
    internal bool ReleaseReservation() =>
        Interlocked.Decrement(ref _reservations) == 0 && Interlocked.CompareExchange(ref _reservations, -1, 0) == 0;

    /// <summary>
    /// Adds a publish to the combining list. True: the caller is now the combiner and must fan out the list (its own
    /// publish included) until <see cref="TakePending"/> comes back empty. False: a combiner is at work and will
    /// fan this publish out too.
    /// </summary>
    internal bool AddPending(in PendingPublish publish)
    {
        lock (_pendingLock)
        {
            if (_pendingCount == _pending.Length)
            {
                Array.Resize(ref _pending, _pending.Length * 2);
            }

            _pending[_pendingCount++] = publish;
            if (_combining)
            {
                return false;
            }

            _combining = true;
            return true;
        }
    }

    /// <summary>
    /// Swaps the combining list with the combiner's (empty) array and returns how many publishes it holds; zero ends
    /// the combiner's turn, atomically with the check, so a publish added later finds no combiner and becomes one.
    /// </summary>
    internal int TakePending(ref PendingPublish[] batch)
    {
        lock (_pendingLock)
        {
            int count = _pendingCount;
            if (count == 0)
            {
                _combining = false;
                return 0;
            }

            (_pending, batch) = (batch, _pending);
            _pendingCount = 0;
            return count;
        }
    }

    internal void Add(Subscription subscription) => GetStripe(subscription.Queue.Id).Add(subscription);

    internal void Remove(Subscription subscription) => GetStripe(subscription.Queue.Id).Remove(subscription);

    /// <summary>
    /// Offers several stamped messages to every subscriber, subscriber by subscriber: each queue takes all of them
    /// under one lock. Callers hold <see cref="PublishLock"/>. <paramref name="refused"/>[i] counts the queues that
    /// did not take message i.
    /// </summary>
    internal int FanOut(ReadOnlySpan<OutboundMessage> messages, int totalBytes, Span<int> refused, ref int overflowed)
    {
        int subscribers = 0;
        TopicStripe?[] stripes = _stripes;
        for (int i = 0; i < stripes.Length; i++)
        {
            stripes[i]?.FanOut(messages, totalBytes, refused, ref subscribers, ref overflowed);
        }

        return subscribers;
    }

    private TopicStripe GetStripe(long queueId)
    {
        int index = (int)((ulong)queueId & (StripeCount - 1));
        TopicStripe? stripe = Volatile.Read(ref _stripes[index]);
        if (stripe is not null)
        {
            return stripe;
        }

        // Stripes appear on first use so that a topic with one subscriber costs one stripe, not sixteen.
        Interlocked.CompareExchange(ref _stripes[index], new TopicStripe(), null);
        return _stripes[index]!;
    }
}
