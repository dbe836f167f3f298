using System.Collections.Concurrent;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Heartbeat;
using Janus.Server.Metrics;
using Janus.Server.Security;

namespace Janus.Server.Sessions;

/// <summary>
/// Live sessions by token, and the parked ones waiting for a resume. A session leaves when it ends, a parked one at
/// the end of its grace period at the latest, so nothing accumulates (the original leaked every one).
/// </summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Session> _parked = new();

    // Sessions holding a token's grant, for the expiry sweep: only these are visited, never every session.
    private readonly ConcurrentDictionary<long, Session> _granted = new();
    private readonly TopicRegistry _topics;
    private readonly JanusClock? _clock;
    private readonly JanusMetrics? _metrics;
    private readonly long _graceUnits;
    private readonly SubscribeAuthorizer? _authorizer;
    private long _nextId;

    /// <summary>Creates an empty registry whose sessions subscribe through <paramref name="topics"/> and never park.</summary>
    public SessionRegistry(TopicRegistry topics)
        : this(topics, null, null, TimeSpan.Zero)
    {
    }

    /// <summary>Creates an empty registry whose opted-in sessions wait <paramref name="grace"/> for a resume.</summary>
    public SessionRegistry(TopicRegistry topics, JanusClock? clock, JanusMetrics? metrics, TimeSpan grace)
        : this(topics, clock, metrics, grace, authorizer: null)
    {
    }

    /// <summary>Creates an empty registry whose sessions check protected topics with <paramref name="authorizer"/>.</summary>
    public SessionRegistry(TopicRegistry topics, JanusClock? clock, JanusMetrics? metrics, TimeSpan grace, SubscribeAuthorizer? authorizer)
    {
        _authorizer = authorizer;
        _topics = topics;
        _clock = clock;
        _metrics = metrics;
        _graceUnits = clock is null ? 0 : clock.ToTimestampUnits(grace);
        Grace = clock is null ? TimeSpan.Zero : grace;
    }

    /// <summary>How long a parked session waits for a resume.</summary>
    public TimeSpan Grace { get; }

    /// <summary>Live sessions (parked ones included).</summary>
    public int Count => _sessions.Count;

    /// <summary>Sessions waiting for a resume.</summary>
    public int ParkedCount => _parked.Count;

    /// <summary>Starts a session with a fresh token.</summary>
    public Session Create(long queueLimitBytes, int maxSubscriptions)
    {
        long id = Interlocked.Increment(ref _nextId);
        while (true)
        {
            var session = new Session(id, ServerMessages.NewToken(), new OutboundQueue(id, queueLimitBytes), _topics, maxSubscriptions, _authorizer);
            if (_sessions.TryAdd(session.Token, session))
            {
                return session;
            }
        }
    }

    /// <summary>Finds a live session by its token.</summary>
    public bool TryGet(string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Session? session) =>
        _sessions.TryGetValue(token, out session);

    /// <summary>Ends a session: its subscriptions go, its queue closes, it leaves the registry. Returns the subscriptions removed.</summary>
    public int End(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        int removed = session.Close();
        session.Queue.Close();
        _sessions.TryRemove(new KeyValuePair<string, Session>(session.Token, session));
        if (_parked.TryRemove(session.Id, out _))
        {
            _metrics?.SessionUnparked();
        }

        return removed;
    }

    /// <summary>
    /// The connection <paramref name="owner"/> is gone without ending its session on purpose: an opted-in session with
    /// subscriptions waits for a resume (its queue already detached by the connection); any other ends. Nothing
    /// happens if a resume already took the session. Returns the subscriptions removed.
    /// </summary>
    public int ReleaseOrPark(Session session, ISessionConnection owner)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.IsOwnedBy(owner))
        {
            return 0;
        }

        if (CanPark(session) && session.TryPark(owner, _clock!.Now + _graceUnits))
        {
            // Now, while the topics' history still holds what the dropped socket may have swallowed.
            session.RequeueWritten(session.Queue.Limit);
            _parked[session.Id] = session;
            _metrics?.SessionParked();
            return 0;
        }

        return End(session);
    }

    /// <summary>Whether a session would be kept after its connection dropped.</summary>
    public bool CanPark(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _graceUnits > 0 && session.IsPositioned && session.SubscriptionCount > 0;
    }

    /// <summary>
    /// The heartbeat's visit, once a second: parked sessions past their grace period end; those whose queue
    /// overflowed lose their subscriptions at once (they stay only to answer a resume). Returns the subscriptions removed.
    /// </summary>
    public int Sweep(long now)
    {
        int removed = 0;
        foreach (KeyValuePair<long, Session> entry in _parked)
        {
            Session session = entry.Value;
            removed += session.DropSubscriptionsIfOverflowed();
            if (now >= session.ParkDeadline)
            {
                removed += End(session);
                _metrics?.SessionExpired();
            }
        }

        return removed + SweepGrants();
    }

    /// <summary>Remembers that <paramref name="session"/> holds a grant, so the sweep ends it when its token expires.</summary>
    internal void TrackGrant(Session session)
    {
        if (_authorizer is { Enabled: true })
        {
            _granted[session.Id] = session;
        }
    }

    /// <summary>
    /// Tokens past their expiry (plus the clock skew): each such session loses its grant and its protected
    /// subscriptions, and is sent <c>token_expired</c> for each (its public ones stay). Within a tick of the expiry.
    /// </summary>
    private int SweepGrants()
    {
        if (_granted.IsEmpty)
        {
            return 0;
        }

        int removed = 0;
        DateTimeOffset now = _authorizer!.Time.GetUtcNow();
        var revoked = new List<TopicRevocation>();
        foreach (KeyValuePair<long, Session> entry in _granted)
        {
            Session session = entry.Value;
            revoked.Clear();
            if (session.HasEnded)
            {
                _granted.TryRemove(entry);
            }
            else if (session.ExpireGrant(now, revoked))
            {
                _granted.TryRemove(entry);

                // A fresh token may have come in since: keep watching it.
                if (session.Grant is not null)
                {
                    _granted[session.Id] = session;
                }

                session.SendRevocations(revoked);
                removed += revoked.Count;
                _metrics?.AuthRefused(AuthRefusal.TokenExpired, revoked.Count);
            }
        }

        return removed;
    }

    /// <summary>
    /// Resumes the session named by <paramref name="token"/> into <paramref name="into"/>, the resuming connection's
    /// own (fresh, unsubscribed) session: the old session's subscriptions move over with whatever the client is missing
    /// after <paramref name="positions"/>, and <paramref name="into"/> takes the old token. The connection that carried
    /// the old session, if it is still open, is returned in <paramref name="previous"/> to be closed.
    /// </summary>
    /// <remarks>
    /// The resuming queue is held while the subscriptions move, so the answer (made by <paramref name="answer"/> from
    /// the result) goes out ahead of the replay and of every live message.
    /// </remarks>
    public ResumeResult Resume(Session into, string token, Dictionary<string, StreamPosition> positions, Func<bool, string?, List<TopicRecovery>, OutboundMessage> answer, out ISessionConnection? previous)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(answer);
        previous = null;
        if (!_sessions.TryGetValue(token, out Session? old) || ReferenceEquals(old, into))
        {
            return Refuse(into, "expired", positions, ResumeResult.Expired, answer);
        }

        if (!old.TryBeginTakeover(out previous, out string? reason))
        {
            previous = null;
            if (reason == "overflowed")
            {
                End(old);
                _metrics?.SessionExpired();
                return Refuse(into, reason, positions, ResumeResult.Overflowed, answer);
            }

            return Refuse(into, "expired", positions, ResumeResult.Expired, answer);
        }

        if (_parked.TryRemove(old.Id, out _))
        {
            _metrics?.SessionUnparked();
        }

        into.OptIn();
        into.Queue.BeginHold();
        List<TopicRecovery> recoveries = old.MoveSubscriptionsTo(into, positions);
        old.Queue.Close();

        // The resuming session carries the old token from now on; its own (from its greeting) is gone.
        _sessions.TryRemove(new KeyValuePair<string, Session>(old.Token, old));
        _sessions.TryRemove(new KeyValuePair<string, Session>(into.Token, into));
        into.Token = old.Token;
        _sessions[into.Token] = into;

        bool all = true;
        foreach (TopicRecovery recovery in recoveries)
        {
            all &= recovery.Recovered == true;
        }

        into.Queue.EndHold(answer(true, null, recoveries));

        // Authorization is checked again: the resumed session keeps the old token's grant and expiry (or the one the
        // resuming connection presented), and moved protected subscriptions it does not allow end, after the answer.
        (SubscribeGrant? grant, bool expired) = old.GrantState();
        var revoked = new List<TopicRevocation>();
        into.InheritGrantAndRecheck(grant, expired, revoked);
        int unsubscribed = revoked.Count;
        if (_authorizer is { Enabled: true })
        {
            // A protected topic the client named that the session no longer holds (its token expired while parked)
            // is answered too, so the client learns why it is missing.
            (SubscribeGrant? current, bool ended) = into.GrantState();
            foreach (string name in positions.Keys)
            {
                AuthorizationResult refused = _authorizer.Check(name, current, ended);
                if (refused != AuthorizationResult.Allowed && !recoveries.Exists(r => r.Topic == name) && !revoked.Exists(r => r.Topic == name))
                {
                    revoked.Add(new TopicRevocation(name, refused == AuthorizationResult.TokenExpired ? ProtocolError.TokenExpired : ProtocolError.Unauthorized));
                }
            }
        }

        TrackGrant(into);
        into.SendRevocations(revoked);
        _metrics?.Unsubscribed(unsubscribed);
        foreach (TopicRevocation revocation in revoked)
        {
            _metrics?.AuthRefused(revocation.Error == ProtocolError.TokenExpired ? AuthRefusal.TokenExpired : AuthRefusal.Unauthorized);
        }

        ResumeResult result = all ? ResumeResult.Recovered : ResumeResult.Unrecovered;
        _metrics?.Resumed(result);
        return result;
    }

    private ResumeResult Refuse(Session into, string reason, Dictionary<string, StreamPosition> positions, ResumeResult result, Func<bool, string?, List<TopicRecovery>, OutboundMessage> answer)
    {
        var topics = new List<TopicRecovery>(positions.Count);
        foreach (string name in positions.Keys)
        {
            StreamPosition position = _topics.TryGet(name, out Topic? topic) ? topic.Position : new StreamPosition(0, "");
            topics.Add(new TopicRecovery(name, position, null));
        }

        into.OptIn();
        into.Queue.TryEnqueue(answer(false, reason, topics));
        _metrics?.Resumed(result);
        return result;
    }
}
