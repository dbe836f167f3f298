using System.Collections.Concurrent;
using System.Threading.Channels;
using Janus.Server.Fanout;
using Janus.Server.Logging;
using Janus.Server.Metrics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Janus.Server.Cluster;

/// <summary>
/// Keeps this node's Redis channel subscriptions equal to its local topics: a topic's channel is subscribed while
/// the topic has a local subscriber and unsubscribed when it loses the last, so a node never receives traffic for
/// topics nobody here listens to.
/// </summary>
/// <remarks>
/// <para>The registry's <see cref="TopicRegistry.TopicActivated"/> and <see cref="TopicRegistry.TopicDeactivated"/>
/// events are raised on subscribing threads, inside session locks, and for one topic they can arrive out of order
/// across threads. So they are only hints: the handler queues the topic name (never blocks), and one worker decides
/// what to do by asking the registry what is true now (<see cref="TopicRegistry.TryGet"/>). Every change is followed
/// by an event, so the last hint for a topic is always handled after its last change, and the channel ends in the
/// right state whatever order the hints came in.</para>
/// <para>Bounded while Redis is slow or down. Hints are not queued one per event but kept as a set of topic names
/// (a topic churned a thousand times is one entry), and the set holds at most <see cref="DefaultMaxPendingTopics"/> names:
/// past that, further hints are dropped and a full resync is scheduled instead, which asks the registry what is true
/// for every topic. So the memory of pending interest changes is at most that many names however long Redis stalls,
/// and every change still ends in the right state. Each overflow is counted (<c>janus.cluster.interest_overflows</c>).
/// The Redis SUBSCRIBEs themselves are bounded by the topics that exist (<c>Janus:Limits:MaxTopics</c>).</para>
/// <para>The worker drains every queued hint into a batch (one entry per topic), starts all the Redis calls of the
/// batch at once (StackExchange.Redis pipelines them) and applies the results before the next batch, so the
/// calls for one topic never overlap. A subscribe that fails (Redis down) is retried on the next resync, which runs
/// when Redis is reachable again. Channels that were subscribed when Redis went away are restored by
/// StackExchange.Redis itself when its subscription connection comes back, even to a fresh Redis process.</para>
/// </remarks>
internal sealed class TopicInterest
{
    /// <summary>The most distinct topics with a pending interest change; past it, one full resync replaces them.</summary>
    public const int DefaultMaxPendingTopics = 10_000;

    private readonly RedisCluster _cluster;
    private readonly TopicRegistry _topics;
    private readonly JanusMetrics _metrics;
    private readonly ILogger _logger;

    // A wake-up for the worker holding at most one item; what to do is in _pending and _resyncPending.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _pendingLock = new();
    private HashSet<string> _pending = new(StringComparer.Ordinal);
    private bool _resyncPending;
    private readonly ConcurrentDictionary<string, TopicSubscription> _subscribed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _retry = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly Action<string> _onTopicChanged;
    private int _retryCount;
    private Task _worker = Task.CompletedTask;

    public TopicInterest(RedisCluster cluster, TopicRegistry topics, JanusMetrics metrics, ILogger logger)
    {
        _cluster = cluster;
        _topics = topics;
        _metrics = metrics;
        _logger = logger;
        _onTopicChanged = OnTopicChanged;
    }

    /// <summary>A topic's channel was subscribed (true) or unsubscribed (false) in Redis. Raised on the worker.</summary>
    public event Action<string, bool>? ChannelChanged;

    /// <summary>Topic channels subscribed now.</summary>
    public int ChannelCount => _subscribed.Count;

    /// <summary>The bound on <see cref="PendingTopics"/> (<see cref="DefaultMaxPendingTopics"/>; smaller in tests).</summary>
    internal int MaxPendingTopics { get; set; } = DefaultMaxPendingTopics;

    /// <summary>Topics with an interest change not yet taken by the worker (at most <see cref="MaxPendingTopics"/>).</summary>
    public int PendingTopics
    {
        get
        {
            lock (_pendingLock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Topics whose subscribe failed and waits for Redis to come back.</summary>
    public int PendingRetries => Volatile.Read(ref _retryCount);

    /// <summary>Whether the topic's channel is subscribed now.</summary>
    public bool IsSubscribed(string topic) => _subscribed.ContainsKey(topic);

    /// <summary>
    /// Completes once the topic's channel is subscribed in Redis (at once if it is). The caller has a local subscriber
    /// of the topic, so the worker subscribes the channel and keeps it while that subscriber stays.
    /// </summary>
    public Task WaitForSubscribedAsync(string topic)
    {
        if (_subscribed.ContainsKey(topic))
        {
            return Task.CompletedTask;
        }

        TaskCompletionSource waiter = _waiters.GetOrAdd(topic, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        // The worker may have subscribed between the two checks, and looked for waiters before this one was added.
        if (_subscribed.ContainsKey(topic))
        {
            _waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(topic, waiter));
            waiter.TrySetResult();
        }

        return waiter.Task;
    }

    /// <summary>Starts listening to the registry and reconciles every topic that exists already.</summary>
    public void Start()
    {
        _topics.TopicActivated += _onTopicChanged;
        _topics.TopicDeactivated += _onTopicChanged;
        RequestResync();
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Stops listening and lets the worker finish what is queued.</summary>
    public async Task StopAsync()
    {
        _topics.TopicActivated -= _onTopicChanged;
        _topics.TopicDeactivated -= _onTopicChanged;
        _wake.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    /// <summary>Checks every topic again (after a reconnect, and at start).</summary>
    public void RequestResync()
    {
        lock (_pendingLock)
        {
            _resyncPending = true;
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>A hint from the registry (raised on subscribing threads; never blocks beyond a short lock).</summary>
    internal void OnTopicChanged(string topic)
    {
        bool overflowed = false;
        lock (_pendingLock)
        {
            if (_pending.Count < MaxPendingTopics || _pending.Contains(topic))
            {
                _pending.Add(topic);
            }
            else if (!_resyncPending)
            {
                // Full: the resync covers this topic and every other; counted once per resync it causes.
                _resyncPending = true;
                overflowed = true;
            }
        }

        if (overflowed)
        {
            _metrics.ClusterInterestOverflow();
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Takes what is pending into <paramref name="batch"/> (an empty set, handed back as the next pending set).</summary>
    private bool TakePending(ref HashSet<string> batch)
    {
        lock (_pendingLock)
        {
            (batch, _pending) = (_pending, batch);
            bool resync = _resyncPending;
            _resyncPending = false;
            return resync;
        }
    }

    private async Task RunAsync()
    {
        var batch = new HashSet<string>(StringComparer.Ordinal);
        var subscribing = new List<(string Topic, Task<TopicSubscription?> Result)>();
        var unsubscribing = new List<Task>();
        ChannelReader<bool> reader = _wake.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                reader.TryRead(out _);
                bool resync = TakePending(ref batch);

                if (resync)
                {
                    AddEverything(batch);
                }

                foreach (string topic in batch)
                {
                    bool wanted = _topics.TryGet(topic, out Topic? local) && local.SubscriberCount > 0;
                    if (wanted && !_subscribed.ContainsKey(topic))
                    {
                        subscribing.Add((topic, SubscribeAsync(topic)));
                    }
                    else if (!wanted && _subscribed.TryRemove(topic, out TopicSubscription? subscription))
                    {
                        unsubscribing.Add(UnsubscribeAsync(subscription));
                    }
                    else if (!wanted && _retry.Remove(topic))
                    {
                        Volatile.Write(ref _retryCount, _retry.Count);
                    }
                }

                await Task.WhenAll(unsubscribing).ConfigureAwait(false);
                foreach ((string topic, Task<TopicSubscription?> result) in subscribing)
                {
                    TopicSubscription? subscription = await result.ConfigureAwait(false);
                    if (subscription is null)
                    {
                        _retry.Add(topic);
                        continue;
                    }

                    _retry.Remove(topic);
                    _subscribed[topic] = subscription;
                    if (_waiters.TryRemove(topic, out TaskCompletionSource? waiter))
                    {
                        waiter.TrySetResult();
                    }

                    ChannelChanged?.Invoke(topic, true);
                }

                Volatile.Write(ref _retryCount, _retry.Count);
                batch.Clear();
                if (batch.Capacity > 1024)
                {
                    // After a burst (at most MaxPendingTopics names), do not keep its table for good.
                    batch.TrimExcess();
                }
                subscribing.Clear();
                unsubscribing.Clear();
            }
        }
        catch (Exception ex)
        {
            // Nothing here should throw; if it does, say so loudly rather than stop tracking interest silently.
            Log.ClusterInterestFailed(_logger, ex);
        }
    }

    private void AddEverything(HashSet<string> batch)
    {
        foreach (KeyValuePair<string, int> topic in _topics.Snapshot())
        {
            batch.Add(topic.Key);
        }

        foreach (KeyValuePair<string, TopicSubscription> subscribed in _subscribed)
        {
            batch.Add(subscribed.Key);
        }

        batch.UnionWith(_retry);
    }

    private async Task<TopicSubscription?> SubscribeAsync(string topic)
    {
        if (!_cluster.TryGetTopicChannel(topic, out RedisChannel channel))
        {
            // Redis never reached yet, so not known to be a Redis Cluster or not: retried once it is reached.
            return null;
        }

        ChannelMessageQueue? queue = await _cluster.TrySubscribeAsync(channel, topic, _logger).ConfigureAwait(false);
        if (queue is null)
        {
            return null;
        }

        var subscription = new TopicSubscription(_cluster, topic, queue, _logger);
        // One sequential reader per channel: the order Redis delivered in is the order fan-out sees.
        _ = Task.Run(subscription.RunAsync);
        return subscription;
    }

    private async Task UnsubscribeAsync(TopicSubscription subscription)
    {
        try
        {
            await subscription.Queue.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // StackExchange.Redis forgot the channel before it talked to Redis, so it will not be restored on
            // reconnect; a subscription that Redis still holds on a live connection delivers to no one.
            Log.ClusterUnsubscribeFailed(_logger, subscription.Topic, ex);
        }

        ChannelChanged?.Invoke(subscription.Topic, false);
    }
}
