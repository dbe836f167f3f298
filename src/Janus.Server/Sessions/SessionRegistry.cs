using System.Collections.Concurrent;
using Janus.Protocol;
using Janus.Server.Fanout;

namespace Janus.Server.Sessions;

/// <summary>Live sessions by token. A session leaves when it ends, so nothing accumulates (the original leaked every one).</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TopicRegistry _topics;
    private long _nextId;

    /// <summary>Creates an empty registry whose sessions subscribe through <paramref name="topics"/>.</summary>
    public SessionRegistry(TopicRegistry topics) => _topics = topics;

    /// <summary>Live sessions.</summary>
    public int Count => _sessions.Count;

    /// <summary>Starts a session with a fresh token.</summary>
    public Session Create(long queueLimitBytes, int maxSubscriptions)
    {
        long id = Interlocked.Increment(ref _nextId);
        while (true)
        {
            var session = new Session(id, ServerMessages.NewToken(), new OutboundQueue(id, queueLimitBytes), _topics, maxSubscriptions);
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
        int removed = session.Close();
        session.Queue.Close();
        _sessions.TryRemove(new KeyValuePair<string, Session>(session.Token, session));
        return removed;
    }
}
