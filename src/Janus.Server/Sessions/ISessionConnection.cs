using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Security;

namespace Janus.Server.Sessions;

/// <summary>
/// What the command layer needs of the connection that carries a session, whatever its transport. The session layer
/// owns the seam; transports implement it, so Sessions never reaches up into Transports.
/// </summary>
public interface ISessionConnection
{
    /// <summary>The session the connection carries.</summary>
    Session Session { get; }

    /// <summary>The transport, for metrics.</summary>
    TransportKind Kind { get; }

    /// <summary>Whether the connection may publish (a trusted address or an API key).</summary>
    bool MayPublish { get; }

    /// <summary>
    /// Takes one publish from the connection's per-second allowance; false when it is spent (the caller then fails the
    /// connection with <see cref="ProtocolError.PublishRateLimited"/>).
    /// </summary>
    bool TryTakePublishPermit();

    /// <summary>The topics the connection may publish to when its key is scoped; null for any topic (docs/security.md#authorization).</summary>
    PublishScope? PublishScope => null;

    /// <summary>Queues a per-connection message (an answer); false if the queue no longer takes messages.</summary>
    bool Send(OutboundMessage message);

    /// <summary>Counts a protocol error, logs it, and closes the connection with its error frame.</summary>
    void Fail(ProtocolError error);

    /// <summary>Closes the connection gracefully and ends its session with it (nothing kept for a resume).</summary>
    void CloseAndEndSession();

    /// <summary>Another connection resumed this connection's session: close with <c>session_taken</c>, keep nothing.</summary>
    void OnSessionTaken();
}
