using Janus.Server.Fanout;

namespace Janus.Server.Sessions;

/// <summary>
/// A client's session (the original's "client proxy"): its token, its subscriptions and its outbound queue. It is a
/// separate object from the transport that carries it, so a transport can be replaced (resume) without the
/// subscriptions or the queue noticing; today a session ends with its transport.
/// </summary>
/// <remarks>
/// Subscriptions are kept in a small array searched linearly (most clients have one or two topics) and move to a
/// dictionary past <see cref="LinearLimit"/>. Only the session's own reader and its close touch them, under the
/// session lock; fan-out never does.
/// </remarks>
public sealed class Session
{
    private const int LinearLimit = 8;

    private readonly Lock _lock = new();
    private readonly TopicRegistry _topics;
    private readonly int _maxSubscriptions;
    private Subscription[] _small = [];
    private int _smallCount;
    private Dictionary<string, Subscription>? _large;
    private bool _closed;

    internal Session(long id, string token, OutboundQueue queue, TopicRegistry topics, int maxSubscriptions)
    {
        Id = id;
        Token = token;
        Queue = queue;
        _topics = topics;
        _maxSubscriptions = maxSubscriptions;
    }

    /// <summary>A process-unique number; also the queue's id.</summary>
    public long Id { get; }

    /// <summary>The 32-hex-character token sent in the greeting.</summary>
    public string Token { get; }

    /// <summary>Messages on their way to this client.</summary>
    public OutboundQueue Queue { get; }

    /// <summary>How many topics the session is subscribed to.</summary>
    public int SubscriptionCount
    {
        get
        {
            lock (_lock)
            {
                return _large?.Count ?? _smallCount;
            }
        }
    }

    /// <summary>Subscribes to a topic; a second subscribe to the same topic changes nothing.</summary>
    public SubscribeResult Subscribe(ReadOnlySpan<char> topic)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return SubscribeResult.Closed;
            }

            if (Find(topic) >= 0 || (_large is not null && _large.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(topic)))
            {
                return SubscribeResult.AlreadySubscribed;
            }

            int count = _large?.Count ?? _smallCount;
            if (count >= _maxSubscriptions)
            {
                return SubscribeResult.LimitReached;
            }

            Subscription subscription = _topics.Subscribe(topic, Queue);
            Add(subscription);
            return SubscribeResult.Added;
        }
    }

    /// <summary>Leaves a topic; false if the session was not subscribed to it.</summary>
    public bool Unsubscribe(ReadOnlySpan<char> topic)
    {
        Subscription? removed = null;
        lock (_lock)
        {
            if (_large is not null)
            {
                var lookup = _large.GetAlternateLookup<ReadOnlySpan<char>>();
                if (lookup.Remove(topic, out _, out Subscription? found))
                {
                    removed = found;
                }
            }
            else
            {
                int index = Find(topic);
                if (index >= 0)
                {
                    removed = _small[index];
                    _small[index] = _small[--_smallCount];
                    _small[_smallCount] = null!;
                }
            }

            if (removed is not null)
            {
                _topics.Unsubscribe(removed);
            }
        }

        return removed is not null;
    }

    /// <summary>Ends the session: every subscription goes (and topics left empty go with them). Returns how many.</summary>
    public int Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return 0;
            }

            _closed = true;
            int count = 0;
            if (_large is not null)
            {
                foreach (Subscription subscription in _large.Values)
                {
                    _topics.Unsubscribe(subscription);
                    count++;
                }

                _large = null;
            }

            for (int i = 0; i < _smallCount; i++)
            {
                _topics.Unsubscribe(_small[i]);
                count++;
            }

            _small = [];
            _smallCount = 0;
            return count;
        }
    }

    /// <summary>The topics subscribed to now (a copy; not for hot paths).</summary>
    public IReadOnlyList<string> GetTopics()
    {
        lock (_lock)
        {
            var topics = new List<string>(_large?.Count ?? _smallCount);
            if (_large is not null)
            {
                topics.AddRange(_large.Keys);
            }

            for (int i = 0; i < _smallCount; i++)
            {
                topics.Add(_small[i].Topic.Name);
            }

            return topics;
        }
    }

    private int Find(ReadOnlySpan<char> topic)
    {
        for (int i = 0; i < _smallCount; i++)
        {
            if (topic.SequenceEqual(_small[i].Topic.Name))
            {
                return i;
            }
        }

        return -1;
    }

    private void Add(Subscription subscription)
    {
        if (_large is not null)
        {
            _large.Add(subscription.Topic.Name, subscription);
            return;
        }

        if (_smallCount < LinearLimit)
        {
            if (_smallCount == _small.Length)
            {
                Array.Resize(ref _small, Math.Max(1, _small.Length * 2));
            }

            _small[_smallCount++] = subscription;
            return;
        }

        _large = new Dictionary<string, Subscription>(LinearLimit * 2, StringComparer.Ordinal);
        for (int i = 0; i < _smallCount; i++)
        {
            _large.Add(_small[i].Topic.Name, _small[i]);
        }

        _large.Add(subscription.Topic.Name, subscription);
        _small = [];
        _smallCount = 0;
    }
}
