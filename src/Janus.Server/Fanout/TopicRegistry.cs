using System.Collections.Concurrent;

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

    /// <summary>Creates an empty registry.</summary>
    public TopicRegistry() => _lookup = _topics.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A topic got its first local subscriber. Raised outside any lock, on the subscribing thread.</summary>
    public event Action<string>? TopicActivated;

    /// <summary>A topic lost its last local subscriber. Raised outside any lock, on the unsubscribing thread.</summary>
    public event Action<string>? TopicDeactivated;

    /// <summary>Topics with subscribers now.</summary>
    public int Count => _topics.Count;

    /// <summary>Finds a live topic by name without allocating.</summary>
    public bool TryGet(ReadOnlySpan<char> name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Topic? topic) =>
        _lookup.TryGetValue(name, out topic);

    /// <summary>Adds <paramref name="queue"/> to the topic, creating the topic if needed.</summary>
    public Subscription Subscribe(ReadOnlySpan<char> name, OutboundQueue queue)
    {
        while (true)
        {
            bool created = false;
            if (!_lookup.TryGetValue(name, out Topic? topic))
            {
                var fresh = new Topic(name.ToString());
                topic = _topics.GetOrAdd(fresh.Name, fresh);
                created = ReferenceEquals(topic, fresh);
            }

            if (topic.TryReserve())
            {
                var subscription = new Subscription(topic, queue);
                topic.Add(subscription);
                if (created)
                {
                    TopicActivated?.Invoke(topic.Name);
                }

                return subscription;
            }

            // The topic just died; its remover may not have taken it out yet. Help, then try again.
            _topics.TryRemove(new KeyValuePair<string, Topic>(topic.Name, topic));
        }
    }

    /// <summary>Removes a subscription; the topic goes with its last subscriber.</summary>
    public void Unsubscribe(Subscription subscription)
    {
        Topic topic = subscription.Topic;
        topic.Remove(subscription);
        if (topic.ReleaseReservation())
        {
            _topics.TryRemove(new KeyValuePair<string, Topic>(topic.Name, topic));
            TopicDeactivated?.Invoke(topic.Name);
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
}
