namespace Janus.Server.Options;

/// <summary>The header in which the known reverse proxies name the client (<see cref="SecurityOptions.ForwardedHeader"/>).</summary>
public enum ForwardedHeader
{
    /// <summary><c>X-Forwarded-For</c> (client address) and <c>X-Forwarded-Proto</c> (scheme): nginx, Caddy, HAProxy's <c>option forwardfor</c>.</summary>
    XForwardedFor,

    /// <summary>RFC 7239 <c>Forwarded: for=…;proto=…</c>: HAProxy's <c>option forwarded</c>, and others.</summary>
    Forwarded,
}
