namespace Janus.Server.Transports;

/// <summary>
/// A transport connection that is read by one event loop of several (the epoll transport's): its drains go to the
/// sender matched to that loop (<see cref="SendScheduler"/>), so the loops share no ready queue. Kestrel hands its
/// middleware and handlers the transport's own connection object, so a TLS connection on such a transport is one too.
/// </summary>
internal interface ISenderAffinity
{
    /// <summary>The number of the loop that reads the connection, from 0.</summary>
    int SenderAffinity { get; }
}
