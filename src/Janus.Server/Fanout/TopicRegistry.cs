using System.Collections.Concurrent;
using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// All topics with at least one local subscriber. Lookups (every publish, and every subscribe to an existing topic)
/// are lock-free reads of a <see cref="ConcurrentDictionary{TKey,TValue}"/> keyed by characters, so a burst of
/// 20,000 subscribes to one topic allocates no topic name and takes no registry lock; membership then goes to one of
/// the topic's stripes. A topic leaves the registry with its last subscriber.
/// </summary>
public sealed class TopicRegistry
{
    private readonly ConcurrentDictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Topic>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly HistoryPolicy _history;
    private readonly TimeProvider _time;
    private readonly int _maxTopics;

    // Kept beside the dictionary because its Count takes every one of its locks; a topic counts from its insertion to
    // its removal.
    private int _count;

    /// <summary>Creates an empty registry whose topics keep no history.</summary>
    public TopicRegistry()
        : this(HistoryPolicy.None, TimeProvider.System)
    {
    }

    /// <summary>Creates an empty registry whose topics keep history as <paramref name="history"/> says.</summary>
    public TopicRegistry(HistoryPolicy history, TimeProvider time)
        : this(history, time, int.MaxValue)
    {
    }

    /// <summary>
    /// Creates an empty registry that holds at most <paramref name="maxTopics"/> topics (see <see cref="CanSubscribe"/>).
    /// </summary>
    public TopicRegistry(HistoryPolicy history, TimeProvider time, int maxTopics)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTopics, 1);
        _maxTopics = maxTopics;
        _lookup = _topics.GetAlternateLookup<ReadOnlySpan<char>>();
        _history = history;
        _time = time;
    }

    /// <summary>The history each topic keeps.</summary>
    public HistoryPolicy History => _history;

    /// <summary>
    /// A topic got its first local subscriber (it may have existed for its history before). Raised outside any lock, on
    /// the subscribing thread.
    /// </summary>
    public event Action<string>? TopicActivated;

    /// <summary>
    /// A topic lost its last local subscriber (it may stay for its history). Raised outside any lock, on the
    /// unsubscribing thread.
    /// </summary>
    public event Action<string>? TopicDeactivated;

    /// <summary>Topics that exist now: with subscribers, or kept for their history.</summary>
    public int Count => _topics.Count;

    /// <summary>Topics with at least one local subscriber (a walk over every topic: for stats, not hot paths).</summary>
    public int SubscribedCount
    {
        get
        {
            int count = 0;
            foreach (KeyValuePair<string, Topic> entry in _topics)
            {
                if (entry.Value.SubscriberCount > 0)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>The most topics the registry holds (<c>Janus:Limits:MaxTopics</c>).</summary>
    public int MaxTopics => _maxTopics;

    /// <summary>
    /// Whether a subscribe to <paramref name="name"/> may go ahead: the topic exists, or there is room for one more.
    /// Below the limit this is one read of a counter. Concurrent subscribes to new topics may overshoot the limit by
    /// at most the number of threads subscribing at that instant.
    /// </summary>
    public bool CanSubscribe(ReadOnlySpan<char> name) => Volatile.Read(ref _count) < _maxTopics || _lookup.TryGetValue(name, out _);

    /// <summary>Finds a live topic by name without allocating.</summary>
    public bool TryGet(ReadOnlySpan<char> name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic) =>
        _lookup.TryGetValue(name, out topic);

    /// <summary>Adds <paramref name="queue"/> to the topic, creating the topic if needed.</summary>
    public Subscription Subscribe(ReadOnlySpan<char> name, OutboundQueue queue)
    {
        Topic topic = Reserve(name);
        var subscription = new Subscription(topic, queue) { StartOffset = topic.Position.Offset };
        topic.Add(subscription);
        Activate(topic);
        return subscription;
    }

    /// <summary>
    /// Adds <paramref name="queue"/> to the topic for an opted-in session: the answer with the topic's position, then
    /// what the history holds after <paramref name="since"/>, then live messages, with no gap or duplicate between
    /// them (see <see cref="Topic.AddPositioned"/>).
    /// </summary>
    public Subscription SubscribePositioned(ReadOnlySpan<char> name, OutboundQueue queue, StreamPosition? since, Func<string, StreamPosition, bool?, OutboundMessage> answer)
    {
        Topic topic = Reserve(name);
        var subscription = new Subscription(topic, queue);
        topic.AddPositioned(subscription, since, answer);
        Activate(topic);
        return subscription;
    }

    /// <summary>
    /// Finds the topic a publish goes to. A topic nobody subscribes to exists only if it keeps history: then it is
    /// created here (its offsets start), and <paramref name="reserved"/> says the caller holds a reservation to give
    /// back with <see cref="Release"/> once the publish is done.
    /// </summary>
    public bool TryGetForPublish(ReadOnlySpan<char> name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic, out bool reserved)
    {
        reserved = false;
        if (_lookup.TryGetValue(name, out topic))
        {
            return true;
        }

        // A publish nobody hears is not kept for history once the registry is full: it may not create a topic either.
        if (_history.For(name).Size == 0 || Volatile.Read(ref _count) >= _maxTopics)
        {
            return false;
        }

        topic = Reserve(name);
        reserved = true;
        return true;
    }

    /// <summary>Gives back a reservation taken by <see cref="TryGetForPublish"/>; the topic goes if it was the last.</summary>
    public void Release(Topic topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.ReleaseReservation())
        {
            Remove(topic);
        }
    }

    /// <summary>Removes a subscription; the topic goes with its last subscriber (and its history).</summary>
    public void Unsubscribe(Subscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        Topic topic = subscription.Topic;
        topic.Remove(subscription);
        if (topic.RemoveSubscriber())
        {
            TopicDeactivated?.Invoke(topic.Name);
        }

        Release(topic);
    }

    /// <summary>
    /// Ages every topic's history (the heartbeat calls this once a second). A topic left with no subscriber and no
    /// history goes.
    /// </summary>
    public void ExpireHistory()
    {
        if (!_history.Any)
        {
            return;
        }

        long now = _time.GetTimestamp();
        foreach (KeyValuePair<string, Topic> entry in _topics)
        {
            if (entry.Value.ExpireHistory(now))
            {
                Release(entry.Value);
            }
        }
    }

    private Topic Reserve(ReadOnlySpan<char> name)
    {
        while (true)
        {
            if (!_lookup.TryGetValue(name, out Topic? topic))
            {
                (int size, TimeSpan ttl) = _history.For(name);
                long ttlTicks = (long)(ttl.TotalSeconds * _time.TimestampFrequency);
                var fresh = new Topic(name.ToString(), size, ttlTicks);
                topic = _topics.GetOrAdd(fresh.Name, fresh);
                if (ReferenceEquals(topic, fresh))
                {
                    Interlocked.Increment(ref _count);
                }
            }

            if (topic.TryReserve())
            {
                return topic;
            }

            // The topic just died; its remover may not have taken it out yet. Help, then try again.
            Remove(topic);
        }
    }

    private void Activate(Topic topic)
    {
        // Interest (the cluster's subscription) follows subscribers, not a topic that exists only for its history.
        if (topic.AddSubscriber())
        {
            TopicActivated?.Invoke(topic.Name);
        }
    }

    private void Remove(Topic topic)
    {
        if (_topics.TryRemove(new KeyValuePair<string, Topic>(topic.Name, topic)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>A snapshot of the topics and their subscriber counts (for the API and dashboard, not the hot path).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Snapshot()
    {
        var result = new List<KeyValuePair<string, int>>(_topics.Count);
        foreach (KeyValuePair<string, Topic> entry in _topics)
        {
            int count = entry.Value.SubscriberCount;
            if (count > 0)
            {
                result.Add(new KeyValuePair<string, int>(entry.Key, count));
            }
        }

        return result;
    }

    /// <summary>
    /// The topics with local subscribers, one at a time, without copying the registry (a walk over every topic: for
    /// stats, not hot paths).
    /// </summary>
    public IEnumerable<KeyValuePair<string, int>> Subscribed()
    {
        foreach (KeyValuePair<string, Topic> entry in _topics)
        {
            int count = entry.Value.SubscriberCount;
            if (count > 0)
            {
                yield return new KeyValuePair<string, int>(entry.Key, count);
            }
        }
    }
}
