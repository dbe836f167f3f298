using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Security;

namespace Janus.Server.Sessions;

/// <summary>
/// A client's session (the original's "client proxy"): its token, its subscriptions and its outbound queue, apart
/// from the connection that carries it. A legacy session ends with its connection. A session whose client opted in
/// (<c>hello</c>) is parked when its connection drops and can be taken over by another connection (docs/sessions.md).
/// </summary>
/// <remarks>
/// Subscriptions are kept in a small array searched linearly (most clients have one or two topics) and move to a
/// dictionary past <see cref="LinearLimit"/>. Only the session's own reader, a resume and the end of the session touch
/// them, under the session lock; fan-out never does.
/// </remarks>
public sealed class Session
{
    private const int LinearLimit = 8;

    private readonly Lock _lock = new();
    private readonly TopicRegistry _topics;
    private readonly int _maxSubscriptions;
    private readonly SubscribeAuthorizer _authorizer;
    private Subscription[] _small = [];
    private int _smallCount;
    private Dictionary<string, Subscription>? _large;
    private SessionState _state;
    private volatile bool _positioned;
    private volatile bool _overflowed;
    private string _token;
    private Task _sharedTail = Task.CompletedTask;
    private int _sharedPending;
    private SubscribeGrant? _grant;
    private bool _grantExpired;

    internal Session(long id, string token, OutboundQueue queue, TopicRegistry topics, int maxSubscriptions, SubscribeAuthorizer? authorizer = null)
    {
        _authorizer = authorizer ?? SubscribeAuthorizer.None;
        Id = id;
        _token = token;
        Queue = queue;
        _topics = topics;
        _maxSubscriptions = maxSubscriptions;
        ParkedSink = new ParkedQueueSink(this);
    }

    /// <summary>A process-unique number; also the queue's id.</summary>
    public long Id { get; }

    /// <summary>
    /// The 32-hex-character token: the one sent in the greeting, or the one of the session a resume took over. A
    /// capability: never logged.
    /// </summary>
    public string Token
    {
        get => Volatile.Read(ref _token);
        internal set => Volatile.Write(ref _token, value);
    }

    /// <summary>Messages on their way to this client.</summary>
    public OutboundQueue Queue { get; }

    /// <summary>Whether the client opted in (<c>hello</c> or <c>resume</c>): positions on deliveries, a resumable session.</summary>
    public bool IsPositioned => _positioned;

    /// <summary>The connection carrying the session now; null while parked.</summary>
    internal ISessionConnection? Owner { get; private set; }

    /// <summary>When a parked session expires, in <see cref="Heartbeat.JanusClock"/> units.</summary>
    internal long ParkDeadline { get; private set; }

    /// <summary>Stands in for the connection while parked: it never drains, and hears of an overflow.</summary>
    internal IOutboundSink ParkedSink { get; }

    /// <summary>Whether the queue overflowed while parked (the session then only answers a resume).</summary>
    internal bool Overflowed => _overflowed;

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

    /// <summary>What the session's token allows (docs/security.md#authorization); null without one, or once it expired.</summary>
    internal SubscribeGrant? Grant
    {
        get
        {
            lock (_lock)
            {
                return _grant;
            }
        }
    }

    /// <summary>Whether the session has ended (or was taken over by a resume).</summary>
    internal bool HasEnded
    {
        get
        {
            lock (_lock)
            {
                return _state is SessionState.Ended or SessionState.TakenOver;
            }
        }
    }

    /// <summary>
    /// Takes a fresh grant (a validated token); the protected subscriptions it no longer allows end and are listed in
    /// <paramref name="revoked"/>.
    /// </summary>
    internal void SetGrant(SubscribeGrant grant, List<TopicRevocation> revoked)
    {
        lock (_lock)
        {
            _grant = grant;
            _grantExpired = false;
            RevokeUnauthorized(revoked);
        }
    }

    /// <summary>
    /// The expiry sweep's visit: if the grant has ended at <paramref name="now"/>, it goes and every protected
    /// subscription ends (listed in <paramref name="revoked"/>, as <c>token_expired</c>). False if it has not ended.
    /// </summary>
    internal bool ExpireGrant(DateTimeOffset now, List<TopicRevocation> revoked)
    {
        lock (_lock)
        {
            if (_grant is null || !_grant.IsExpired(now))
            {
                return false;
            }

            _grant = null;
            _grantExpired = true;
            RevokeUnauthorized(revoked);
            return true;
        }
    }

    /// <summary>
    /// A resume: this session takes the old session's <paramref name="grant"/> (with its expiry) unless it presented one of its
    /// own, then ends the moved subscriptions that its grant does not allow (listed in <paramref name="revoked"/>).
    /// </summary>
    internal void InheritGrantAndRecheck(SubscribeGrant? grant, bool expired, List<TopicRevocation> revoked)
    {
        lock (_lock)
        {
            if (_grant is null && !_grantExpired)
            {
                _grant = grant;
                _grantExpired = expired;
            }

            RevokeUnauthorized(revoked);
        }
    }

    /// <summary>The grant and whether it expired, read together (for a resume).</summary>
    internal (SubscribeGrant? Grant, bool Expired) GrantState()
    {
        lock (_lock)
        {
            return (_grant, _grantExpired);
        }
    }

    /// <summary>Queues a topic error frame per revoked subscription (<c>{"error":…,"topic":T}</c>); the connection stays.</summary>
    internal void SendRevocations(List<TopicRevocation> revoked)
    {
        foreach (TopicRevocation revocation in revoked)
        {
            Queue.TryEnqueue(OutboundMessage.FromPayload(ProtocolErrors.EncodeTopicJson(revocation.Error, revocation.Topic)));
        }
    }

    /// <summary>Opts in: positions on deliveries, and the session outlives a dropped connection.</summary>
    internal void OptIn() => _positioned = true;

    /// <summary>Binds the session to the connection that carries it.</summary>
    internal void AttachOwner(ISessionConnection owner)
    {
        lock (_lock)
        {
            Owner = owner;
        }
    }

    /// <summary>Subscribes to a topic; a second subscribe to the same topic changes nothing.</summary>
    public SubscribeResult Subscribe(ReadOnlySpan<char> topic)
    {
        lock (_lock)
        {
            SubscribeResult check = CheckSubscribe(topic);
            if (check != SubscribeResult.Added)
            {
                return check;
            }

            Add(_topics.Subscribe(topic, Queue));
            return SubscribeResult.Added;
        }
    }

    /// <summary>
    /// Subscribes an opted-in session: the answer made by <paramref name="answer"/> (the topic's position, and with
    /// <paramref name="since"/> whether the history covered the gap), the replay, then live messages, in order.
    /// </summary>
    internal SubscribeResult SubscribePositioned(ReadOnlySpan<char> topic, StreamPosition? since, Func<string, StreamPosition, bool?, OutboundMessage> answer)
    {
        lock (_lock)
        {
            SubscribeResult check = CheckSubscribe(topic);
            if (check == SubscribeResult.AlreadySubscribed)
            {
                Find(topic, out Subscription? existing);
                existing!.Topic.EnqueuePositioned(Queue, answer);
                return check;
            }

            if (check != SubscribeResult.Added)
            {
                return check;
            }

            Add(_topics.SubscribePositioned(topic, Queue, since, answer));
            return SubscribeResult.Added;
        }
    }

    /// <summary>
    /// Subscribes an opted-in session to a topic whose positions live in <paramref name="shared"/> (a cluster's Redis):
    /// the queue is held and the subscription joins the fan-out now, so live messages queue behind the hold; the
    /// position and the replay are read asynchronously and then put ahead of them (<see cref="Topic.CompleteShared"/>).
    /// Never blocks: the caller's thread may be a transport's reader. A session's asynchronous subscribes complete one
    /// after the other, in the order they were made, under one hold.
    /// </summary>
    internal SubscribeResult SubscribeShared(ReadOnlySpan<char> topic, StreamPosition? since, ISharedHistory shared, Func<string, StreamPosition, bool?, OutboundMessage> answer)
    {
        lock (_lock)
        {
            SubscribeResult check = CheckSubscribe(topic);
            if (check == SubscribeResult.AlreadySubscribed)
            {
                Find(topic, out Subscription? existing);
                existing!.Topic.EnqueuePositioned(Queue, answer);
                return check;
            }

            if (check != SubscribeResult.Added)
            {
                return check;
            }

            Queue.TryBeginHold();
            _sharedPending++;
            Subscription subscription = _topics.Subscribe(topic, Queue);
            Add(subscription);
            _sharedTail = CompleteSharedAsync(_sharedTail, subscription.Topic, since, shared, answer);
            return SubscribeResult.Added;
        }
    }

    private async Task CompleteSharedAsync(Task previous, Topic topic, StreamPosition? since, ISharedHistory shared, Func<string, StreamPosition, bool?, OutboundMessage> answer)
    {
        // Off the caller's thread (it holds the session lock and may be a transport's reader), and after the session's
        // previous asynchronous subscribe, which never faults.
        await Task.Yield();
        SharedHistoryRead? read;
#pragma warning disable CA1031 // Whatever went wrong before or in the read, this subscribe is answered (from memory) and the hold ends.
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The previous subscribe's failure is its own.
        }

        try
        {
            read = await shared.ReadAsync(topic.Name, since).ConfigureAwait(false);
        }
        catch (Exception)
        {
            read = null;
        }
#pragma warning restore CA1031

        // What Redis had numbered by the read may still be on its way here on the channel: give it a moment to arrive,
        // so it is dropped from the live queue as part of the replay instead of reaching the client twice. Bounded; a
        // quiet topic (nothing recent in the replay) has nothing on its way and does not wait.
        if (read is { } done && done.Current.Offset > 0 && (done.Entries.Count > 0 || topic.Position.Epoch == done.Current.Epoch))
        {
            for (int i = 0; i < 200 && !topic.HasReached(done.Current); i++)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        lock (_lock)
        {
            // Under the session lock, so a subscribe made now either sees the hold still in place or starts its own.
            topic.CompleteShared(Queue, since, read, answer, release: --_sharedPending == 0);
        }
    }

    /// <summary>Leaves a topic; false if the session was not subscribed to it.</summary>
    public bool Unsubscribe(ReadOnlySpan<char> topic)
    {
        Subscription? removed = null;
        lock (_lock)
        {
            if (_state != SessionState.Active)
            {
                return false;
            }

            removed = RemoveLocked(topic);
        }

        return removed is not null;
    }

    private Subscription? RemoveLocked(ReadOnlySpan<char> topic)
    {
        Subscription? removed = null;
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
            int index = IndexOf(topic);
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

        return removed;
    }

    // Under the session lock: every subscription the grant no longer allows goes. Visits only protected topics' checks
    // (public ones answer Allowed at once), and nothing at all when no topic is protected.
    private void RevokeUnauthorized(List<TopicRevocation> revoked)
    {
        if (!_authorizer.Enabled || _state is SessionState.Ended or SessionState.TakenOver)
        {
            return;
        }

        foreach (Subscription subscription in Snapshot())
        {
            string name = subscription.Topic.Name;
            AuthorizationResult result = _authorizer.Check(name, _grant, _grantExpired);
            if (result != AuthorizationResult.Allowed && RemoveLocked(name) is not null)
            {
                revoked.Add(new TopicRevocation(name, result == AuthorizationResult.TokenExpired ? ProtocolError.TokenExpired : ProtocolError.Unauthorized));
            }
        }
    }

    /// <summary>Ends the session: every subscription goes (and topics left empty go with them). Returns how many.</summary>
    public int Close()
    {
        lock (_lock)
        {
            if (_state is SessionState.Ended or SessionState.TakenOver)
            {
                // A session being taken over is the resume's to finish.
                return 0;
            }

            _state = SessionState.Ended;
            Owner = null;
            return RemoveAllSubscriptions();
        }
    }

    /// <summary>
    /// Parks the session after its connection <paramref name="owner"/> dropped: subscriptions stay, the queue keeps
    /// taking messages. False if <paramref name="owner"/> no longer carries it (a resume took it) or it has ended.
    /// </summary>
    internal bool TryPark(ISessionConnection owner, long deadline)
    {
        lock (_lock)
        {
            if (_state != SessionState.Active || !ReferenceEquals(Owner, owner))
            {
                return false;
            }

            _state = SessionState.Parked;
            Owner = null;
            ParkDeadline = deadline;
            return true;
        }
    }

    /// <summary>
    /// After parking: what the dropped connection had written and may not have delivered goes back to the front of the
    /// queue (see <see cref="Topic.RequeueWritten"/>), within half the queue's bound.
    /// </summary>
    internal void RequeueWritten(long queueLimitBytes)
    {
        List<Subscription> subscriptions;
        lock (_lock)
        {
            subscriptions = Snapshot();
        }

        long budget = (queueLimitBytes / 2) - Queue.QueuedBytes;
        foreach (Subscription subscription in subscriptions)
        {
            budget -= subscription.Topic.RequeueWritten(subscription, Queue, budget);
        }
    }

    /// <summary>Whether <paramref name="owner"/> still carries this session (a resume may have taken it).</summary>
    internal bool IsOwnedBy(ISessionConnection owner)
    {
        lock (_lock)
        {
            return ReferenceEquals(Owner, owner);
        }
    }

    /// <summary>Drops the subscriptions of a parked session whose queue overflowed; returns how many.</summary>
    internal int DropSubscriptionsIfOverflowed()
    {
        if (!_overflowed)
        {
            return 0;
        }

        lock (_lock)
        {
            return _state == SessionState.Parked ? RemoveAllSubscriptions() : 0;
        }
    }

    /// <summary>
    /// The first step of a resume: marks this (parked, or still carried by a connection that has not noticed its drop)
    /// session as taken, so nothing else changes its subscriptions. Returns the connection that carried it (to be
    /// closed with <c>session_taken</c>), and why not when it cannot be taken.
    /// </summary>
    internal bool TryBeginTakeover(out ISessionConnection? previous, out string? reason)
    {
        lock (_lock)
        {
            previous = Owner;
            reason = null;
            // A legacy session never asked to outlive its connection: it cannot be taken either.
            if (_state is SessionState.Ended or SessionState.TakenOver || !_positioned)
            {
                reason = "expired";
                return false;
            }

            if (_overflowed)
            {
                reason = "overflowed";
                return false;
            }

            _state = SessionState.TakenOver;
            Owner = null;
            return true;
        }
    }

    /// <summary>
    /// Moves every subscription of this session (being taken over) to <paramref name="target"/>, topic by topic under
    /// each topic's publish lock, with what the client is missing after <paramref name="positions"/> (see
    /// <see cref="Topic.MoveSubscription"/>). Returns each topic's position and whether it was recovered.
    /// </summary>
    internal List<TopicRecovery> MoveSubscriptionsTo(Session target, Dictionary<string, StreamPosition> positions)
    {
        var recoveries = new List<TopicRecovery>();
        var scratch = new List<OutboundMessage>();
        List<Subscription> subscriptions;
        lock (_lock)
        {
            subscriptions = Snapshot();
            _large = null;
            _small = [];
            _smallCount = 0;
        }

        // Without this session's lock: being taken over, nothing else changes it (Subscribe, Unsubscribe and Close
        // leave a taken session alone), and holding two session locks at once could deadlock two crossed resumes.
        foreach (Subscription subscription in subscriptions)
        {
            Topic topic = subscription.Topic;
            StreamPosition? client = positions.TryGetValue(topic.Name, out StreamPosition p) ? p : null;
            bool recovered = topic.MoveSubscription(subscription, Queue, target.Queue, client, scratch, out StreamPosition current);
            recoveries.Add(new TopicRecovery(topic.Name, current, recovered));
            target.Adopt(subscription);
        }

        lock (_lock)
        {
            _state = SessionState.Ended;
        }

        return recoveries;
    }

    /// <summary>The topics subscribed to now (a copy; not for hot paths).</summary>
    public IReadOnlyList<string> GetTopics()
    {
        lock (_lock)
        {
            List<Subscription> subscriptions = Snapshot();
            var topics = new List<string>(subscriptions.Count);
            foreach (Subscription subscription in subscriptions)
            {
                topics.Add(subscription.Topic.Name);
            }

            return topics;
        }
    }

    private void Adopt(Subscription subscription)
    {
        lock (_lock)
        {
            if (_state == SessionState.Active)
            {
                Add(subscription);
                return;
            }

            // This session was itself taken or ended meanwhile: nobody would ever remove the subscription.
            _topics.Unsubscribe(subscription);
        }
    }

    private SubscribeResult CheckSubscribe(ReadOnlySpan<char> topic)
    {
        if (_state != SessionState.Active)
        {
            return SubscribeResult.Closed;
        }

        // Under the session lock, so the expiry sweep (which takes it too) cannot end the grant between check and add.
        switch (_authorizer.Check(topic, _grant, _grantExpired))
        {
            case AuthorizationResult.Unauthorized:
                return SubscribeResult.Unauthorized;
            case AuthorizationResult.TokenExpired:
                return SubscribeResult.TokenExpired;
        }

        if (Find(topic, out _))
        {
            return SubscribeResult.AlreadySubscribed;
        }

        int count = _large?.Count ?? _smallCount;
        if (count >= _maxSubscriptions)
        {
            return SubscribeResult.LimitReached;
        }

        return _topics.CanSubscribe(topic) ? SubscribeResult.Added : SubscribeResult.TopicLimitReached;
    }

    private int RemoveAllSubscriptions()
    {
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

    private List<Subscription> Snapshot()
    {
        var list = new List<Subscription>(_large?.Count ?? _smallCount);
        if (_large is not null)
        {
            list.AddRange(_large.Values);
        }

        for (int i = 0; i < _smallCount; i++)
        {
            list.Add(_small[i]);
        }

        return list;
    }

    private bool Find(ReadOnlySpan<char> topic, out Subscription? subscription)
    {
        if (_large is not null)
        {
            return _large.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(topic, out subscription);
        }

        int index = IndexOf(topic);
        subscription = index >= 0 ? _small[index] : null;
        return index >= 0;
    }

    private int IndexOf(ReadOnlySpan<char> topic)
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

    private enum SessionState
    {
        Active,
        Parked,
        TakenOver,
        Ended,
    }

    /// <summary>The queue's sink while the session is parked: nothing drains; an overflow marks the session.</summary>
    private sealed class ParkedQueueSink(Session session) : IOutboundSink
    {
        public void OnDataAvailable()
        {
        }

        public void DrainInline()
        {
        }

        // Called by fan-out with a topic's locks held: only a flag here; the registry's sweep drops the subscriptions.
        public void OnOverflow() => session._overflowed = true;
    }
}
