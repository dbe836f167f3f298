using System.Text;
using Janus.Protocol;

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
    private int _subscribers;
    private long _lastOffset;

    internal Topic(string name)
        : this(name, 0, 0)
    {
    }

    internal Topic(string name, int historySize, long historyTtlTicks)
    {
        Name = name;

        // A new epoch for every topic object: offsets restart with it, so positions of a forgotten topic (or of a
        // previous process) can never be mistaken for positions of this one.
        Epoch = NewEpoch();
        EpochUtf8 = Encoding.ASCII.GetBytes(Epoch);
        History = historySize > 0 ? new TopicHistory(historySize, historyTtlTicks) : null;
    }

    /// <summary>
    /// The epoch of this topic's offsets (docs/sessions.md). Fixed for the topic's life on a single node; in a cluster
    /// whose history lives in Redis it is the one Redis says (changed under <see cref="PublishLock"/>).
    /// </summary>
    public string Epoch { get; private set; }

    /// <summary>The epoch as the bytes written into deliveries.</summary>
    internal byte[] EpochUtf8 { get; private set; }

    /// <summary>
    /// Whether the offsets and epoch are the ones Redis assigned (cluster with history in Redis) rather than numbered
    /// by this node. Read and written under <see cref="PublishLock"/>.
    /// </summary>
    internal bool EpochFromRedis { get; private set; }

    /// <summary>A fresh random epoch: 12 hex characters.</summary>
    public static string NewEpoch() =>
        Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64())).AsSpan(0, 12).ToString();

    /// <summary>
    /// Stamps a message whose offset and epoch Redis assigned (it arrived on the topic's channel), keeping it in the
    /// history. The topic takes Redis's epoch (a new one clears the history); an offset that does not follow the last
    /// one leaves a gap, so the history, which must hold consecutive offsets, starts again. False for an offset at or
    /// before the last one of the same epoch (a duplicate): nothing is stamped. Callers hold <see cref="PublishLock"/>.
    /// </summary>
    internal bool StampAt(OutboundMessage message, ErlangTimestamp timestamp, long fanoutStartedAt, IOutboundMessageObserver? observer, long offset, string epoch)
    {
        if (!Adopt(offset - 1, epoch))
        {
            return false;
        }

        Volatile.Write(ref _lastOffset, offset);
        message.Stamp(timestamp, fanoutStartedAt, observer, this, offset, EpochUtf8);
        AppendToHistory(message);
        return true;
    }

    /// <summary>
    /// Takes Redis's position (read from Redis, or implied by a message): after it the next offset is
    /// <paramref name="offset"/> + 1. False when this topic already went past it in that epoch. Callers hold
    /// <see cref="PublishLock"/>.
    /// </summary>
    internal bool Adopt(long offset, string epoch)
    {
        if (epoch != Epoch)
        {
            Epoch = epoch;
            EpochUtf8 = Encoding.ASCII.GetBytes(epoch);
            History?.Clear();
        }
        else if (offset < _lastOffset)
        {
            return false;
        }
        else if (offset > _lastOffset)
        {
            History?.Clear();
        }

        EpochFromRedis = true;
        Volatile.Write(ref _lastOffset, offset);
        return true;
    }

    /// <summary>
    /// Numbers the topic's messages on this node from now on, in a fresh epoch (the cluster's history is out of reach):
    /// clients later see the epoch change and learn they may have missed something. Callers hold
    /// <see cref="PublishLock"/>.
    /// </summary>
    internal void StartLocalEpoch()
    {
        Epoch = NewEpoch();
        EpochUtf8 = Encoding.ASCII.GetBytes(Epoch);
        History?.Clear();
        EpochFromRedis = false;
        Volatile.Write(ref _lastOffset, 0);
    }

    /// <summary>The topic's last messages, or null when its history is off.</summary>
    internal TopicHistory? History { get; }

    /// <summary>The offset of the last message published (0 before the first), with the epoch.</summary>
    public StreamPosition Position => new(Volatile.Read(ref _lastOffset), Epoch);

    /// <summary>Counts a subscriber in; true when it is the first (the topic becomes wanted: cluster interest starts).</summary>
    internal bool AddSubscriber() => Interlocked.Increment(ref _subscribers) == 1;

    /// <summary>Counts a subscriber out; true when it was the last (a topic kept for its history is no longer wanted).</summary>
    internal bool RemoveSubscriber() => Interlocked.Decrement(ref _subscribers) == 0;

    /// <summary>
    /// Stamps a message for fan-out: its timestamp, the topic's next offset and epoch; keeps it in the history.
    /// Callers hold <see cref="PublishLock"/>, which makes the offsets consecutive in fan-out order.
    /// </summary>
    internal void Stamp(OutboundMessage message, ErlangTimestamp timestamp, long fanoutStartedAt, IOutboundMessageObserver? observer)
    {
        long offset = _lastOffset + 1;
        Volatile.Write(ref _lastOffset, offset);
        message.Stamp(timestamp, fanoutStartedAt, observer, this, offset, EpochUtf8);
        AppendToHistory(message);
    }

    private void AppendToHistory(OutboundMessage message)
    {
        TopicHistory? history = History;
        if (history is null)
        {
            return;
        }

        if (!history.HoldsReservation)
        {
            // A dead topic (its last subscriber just left) keeps nothing: its epoch ends with it.
            if (!TryReserve())
            {
                return;
            }

            history.HoldsReservation = true;
        }

        history.Append(message);
    }

    /// <summary>
    /// Ages the history; true when it just became empty and gave up its reservation, which the caller must release
    /// (outside the publish lock) through the registry.
    /// </summary>
    internal bool ExpireHistory(long nowTicks)
    {
        TopicHistory? history = History;
        if (history is null || !history.HoldsReservation)
        {
            return false;
        }

        lock (PublishLock)
        {
            if (!history.Expire(nowTicks))
            {
                return false;
            }

            history.HoldsReservation = false;
            return true;
        }
    }

    /// <summary>
    /// Adds a subscription of an opted-in session: under the publish lock, so that the answer's position, the replay
    /// from <paramref name="since"/> and the first live message meet with no gap and no duplicate. Queues the answer
    /// (made by <paramref name="answer"/> from the position and whether the replay recovered everything), then the
    /// replay, then joins the fan-out.
    /// </summary>
    internal void AddPositioned(Subscription subscription, StreamPosition? since, Func<string, StreamPosition, bool?, OutboundMessage> answer)
    {
        OutboundQueue queue = subscription.Queue;
        lock (PublishLock)
        {
            StreamPosition current = Position;
            subscription.StartOffset = current.Offset;
            bool? recovered = Recovers(since, current, out int first, out int count);

            queue.TryEnqueue(answer(Name, current, recovered));
            if (recovered == true)
            {
                EnqueueHistory(queue, first, count);
            }

            Add(subscription);
        }
    }

    /// <summary>
    /// Completes a subscribe whose position came from the shared store (a cluster's Redis), on a queue held since the
    /// subscription joined the fan-out. Under the publish lock: the answer from <paramref name="read"/>'s position, the
    /// replay read from the store, then the live messages queued meanwhile after that position (those at or before it
    /// are in the replay, or were before the client's position: they are dropped), all inserted at the hold point;
    /// <paramref name="release"/> ends the hold. Without a read (the store was out of reach) the answer and replay come
    /// from this node's memory, as on a single node.
    /// </summary>
    internal void CompleteShared(OutboundQueue queue, StreamPosition? since, SharedHistoryRead? read, Func<string, StreamPosition, bool?, OutboundMessage> answer, bool release)
    {
        var items = new List<OutboundMessage>();
        var live = new List<OutboundMessage>();
        lock (PublishLock)
        {
            if (read is null)
            {
                StreamPosition current = Position;
                bool? recovered = Recovers(since, current, out int first, out int count);

                items.Add(answer(Name, current, recovered));
                if (recovered == true)
                {
                    for (int i = 0; i < count; i++)
                    {
                        OutboundMessage message = History!.Get(first + i);
                        message.AddReferences(1);
                        items.Add(message);
                    }
                }

                queue.ExtractTopic(this, current.Offset, live);
            }
            else
            {
                StreamPosition current = read.Current;

                // Only Redis's epoch is taken here, never its offset: a message Redis numbered before the read may still
                // be on its way on the channel, and taking the offset would make the topic drop it as a duplicate, for
                // every local subscriber (the reconnect storm with a node killed lost 191 messages so).
                if (current.Epoch != Epoch)
                {
                    Epoch = current.Epoch;
                    EpochUtf8 = Encoding.ASCII.GetBytes(current.Epoch);
                    History?.Clear();
                    EpochFromRedis = true;
                    Volatile.Write(ref _lastOffset, 0);
                }
                items.Add(answer(Name, current, read.Recovered));
                byte[] epoch = Encoding.ASCII.GetBytes(current.Epoch);
                foreach (SharedHistoryEntry entry in read.Entries)
                {
                    OutboundMessage message = OutboundMessage.RentForBody(entry.Body.Span);
                    message.Stamp(entry.Timestamp, 0, null, this, entry.Offset, epoch);
                    items.Add(message);
                }

                queue.ExtractTopic(this, current.Offset, live);
            }

            items.AddRange(live);
            queue.InsertAtHold(items, release);
        }
    }

    /// <summary>Whether this node has fanned out everything up to <paramref name="position"/> (same epoch).</summary>
    internal bool HasReached(StreamPosition position)
    {
        lock (PublishLock)
        {
            return position.Epoch == Epoch && Volatile.Read(ref _lastOffset) >= position.Offset;
        }
    }

    /// <summary>Queues an answer made from the topic's position now (a repeated subscribe), in order with its messages.</summary>
    internal void EnqueuePositioned(OutboundQueue queue, Func<string, StreamPosition, bool?, OutboundMessage> answer)
    {
        lock (PublishLock)
        {
            queue.TryEnqueue(answer(Name, Position, null));
        }
    }

    /// <summary>
    /// Moves a subscription from a parked session's queue to the resuming session's (docs/sessions.md, Resume). Under
    /// the publish lock, so no message of this topic is queued meanwhile: the messages of this topic still waiting in
    /// <paramref name="from"/> after the client's position, preceded by those the old connection took but may not
    /// have delivered (from the history), go to <paramref name="to"/>; then the subscription points at
    /// <paramref name="to"/>. Returns whether nothing after the client's position is missing.
    /// </summary>
    internal bool MoveSubscription(Subscription subscription, OutboundQueue from, OutboundQueue to, StreamPosition? clientPosition, List<OutboundMessage> scratch, out StreamPosition current)
    {
        lock (PublishLock)
        {
            current = Position;
            bool comparable = clientPosition is { } p && p.Epoch == Epoch && p.Offset <= current.Offset;
            long after = comparable ? clientPosition!.Value.Offset : 0;
            scratch.Clear();
            from.ExtractTopic(this, after, scratch);
            long firstQueued = scratch.Count > 0 ? scratch[0].Offset : current.Offset + 1;
            bool recovered = false;
            int first = 0, count = 0;
            if (comparable)
            {
                recovered = after + 1 >= firstQueued || (History is { } history && history.Covers(after, firstQueued, out first, out count));
            }

            if (recovered && count > 0)
            {
                EnqueueHistory(to, first, count);
            }

            if (scratch.Count > 0)
            {
                int bytes = 0;
                foreach (OutboundMessage message in scratch)
                {
                    bytes += message.Size;
                }

                if (to.TryEnqueueMany(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch), bytes) != EnqueueResult.Queued)
                {
                    foreach (OutboundMessage message in scratch)
                    {
                        message.Release();
                    }
                }
            }

            scratch.Clear();
            subscription.Stripe!.Repoint(subscription, to);
            return recovered;
        }
    }

    /// <summary>
    /// When a session parks: the messages of this topic its connection had written but the network may have lost
    /// (the bytes in the dropped socket) go back to the front of its queue, newest first as far as
    /// <paramref name="budget"/> bytes allow, taken from the history while it still holds them. A resume then sends
    /// only those after the client's position, so a client back after the history has moved on still recovers what
    /// its socket swallowed. Returns the bytes queued.
    /// </summary>
    internal long RequeueWritten(Subscription subscription, OutboundQueue queue, long budget)
    {
        TopicHistory? history = History;
        if (history is null || budget <= 0)
        {
            return 0;
        }

        lock (PublishLock)
        {
            long firstQueued = queue.FirstOffsetOf(this);
            long before = firstQueued > 0 ? firstQueued : Position.Offset + 1;
            long from = Math.Max(subscription.StartOffset + 1, history.OldestOffset);
            if (history.Count == 0 || from >= before)
            {
                return 0;
            }

            int first = (int)(from - history.OldestOffset);
            int last = (int)(before - 1 - history.OldestOffset);
            long bytes = 0;
            int start = last + 1;
            while (start > first && bytes + history.Get(start - 1).Size <= budget)
            {
                start--;
                bytes += history.Get(start).Size;
            }

            if (start > last)
            {
                return 0;
            }

            var messages = new List<OutboundMessage>(last - start + 1);
            for (int i = start; i <= last; i++)
            {
                OutboundMessage message = history.Get(i);
                message.AddReferences(1);
                messages.Add(message);
            }

            queue.Prepend(messages, bytes);
            return bytes;
        }
    }

    /// <summary>
    /// The history after <paramref name="since"/> (all of it when null), oldest first, at most <paramref name="limit"/>
    /// messages, as positioned JSON; <paramref name="recovered"/> says whether it reaches back to the position.
    /// </summary>
    internal List<byte[]> ReadHistory(StreamPosition? since, int limit, out StreamPosition current, out bool recovered)
    {
        var result = new List<byte[]>();
        lock (PublishLock)
        {
            current = Position;
            TopicHistory? history = History;
            int first = 0, count = history?.Count ?? 0;
            recovered = true;
            if (since is not null)
            {
                recovered = Recovers(since, current, out first, out count) == true;
                if (!recovered)
                {
                    count = 0;
                }
            }

            for (int i = 0; i < Math.Min(count, limit); i++)
            {
                result.Add(history!.Get(first + i).GetPositionedJson());
            }
        }

        return result;
    }

    /// <summary>
    /// Whether everything after <paramref name="since"/> up to <paramref name="current"/> can be replayed from this
    /// node's history (null when no position was asked for); if so, where it starts and how many messages. Callers
    /// hold <see cref="PublishLock"/>.
    /// </summary>
    private bool? Recovers(StreamPosition? since, StreamPosition current, out int first, out int count)
    {
        first = 0;
        count = 0;
        if (since is not { } from)
        {
            return null;
        }

        return from.Epoch == Epoch && from.Offset <= current.Offset
            && (from.Offset == current.Offset || (History is { } history && history.Covers(from.Offset, current.Offset + 1, out first, out count)));
    }

    private void EnqueueHistory(OutboundQueue queue, int first, int count)
    {
        TopicHistory history = History!;
        for (int i = 0; i < count; i++)
        {
            OutboundMessage message = history.Get(first + i);
            message.AddReferences(1);
            if (queue.TryEnqueue(message) != EnqueueResult.Queued)
            {
                message.Release();
                return;
            }
        }
    }

    /// <summary>The topic name.</summary>
    public string Name { get; }

    /// <summary>Serialises fan-out of this topic's messages.</summary>
    internal Lock PublishLock { get; } = new();

    /// <summary>Current subscribers (a moment's snapshot).</summary>
    public int SubscriberCount => Math.Max(0, Volatile.Read(ref _subscribers));

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

    internal void Remove(Subscription subscription) => (subscription.Stripe ?? GetStripe(subscription.Queue.Id)).Remove(subscription);

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
