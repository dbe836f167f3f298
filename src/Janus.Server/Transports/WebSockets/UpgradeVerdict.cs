using Janus.Server.Security;

namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// What <see cref="WebSocketEndpoint.Check"/> decided about an upgrade request, before the connection limiter: a
/// refusal (status, error code, reason and the one header that goes with it), or what the accepted connection may do.
/// </summary>
internal readonly struct UpgradeVerdict
{
    /// <summary>The HTTP status of a refusal; 0 when the request may be upgraded.</summary>
    public int Status { get; init; }

    /// <summary>The refusal's error code.</summary>
    public string? Code { get; init; }

    /// <summary>The refusal's reason.</summary>
    public string? Reason { get; init; }

    /// <summary>A header the refusal carries (<c>Upgrade</c>, <c>Sec-WebSocket-Version</c>), or null.</summary>
    public string? HeaderName { get; init; }

    /// <summary>The value of <see cref="HeaderName"/>.</summary>
    public string? HeaderValue { get; init; }

    /// <summary>Whether the refusal is counted with the edge's HTTP refusals (<c>origin_not_allowed</c>).</summary>
    public bool CountedAtEdge { get; init; }

    /// <summary>The client's <c>Sec-WebSocket-Key</c>.</summary>
    public string? Key { get; init; }

    /// <summary>Whether the connection may publish.</summary>
    public bool MayPublish { get; init; }

    /// <summary>Whether the dashboard page marked the connection (counted apart from clients).</summary>
    public bool Dashboard { get; init; }

    /// <summary>Whether the client offered the <c>janus</c> subprotocol (then the answer names it).</summary>
    public bool OfferedSubProtocol { get; init; }

    /// <summary>A scoped key's topics, or null.</summary>
    public PublishScope? Scope { get; init; }

    /// <summary>Whether the request may be upgraded (the limiter still has its say).</summary>
    public bool Accepted => Status == 0;

    /// <summary>A refusal.</summary>
    public static UpgradeVerdict Refuse(int status, string code, string reason, string? headerName = null, string? headerValue = null, bool countedAtEdge = false) =>
        new() { Status = status, Code = code, Reason = reason, HeaderName = headerName, HeaderValue = headerValue, CountedAtEdge = countedAtEdge };
}
