namespace Janus.Server.Options;

/// <summary>Who may publish, who may read, and which proxies, origins and host names are believed.</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Comma-separated networks (CIDR) whose clients may publish without a key: TCP <c>PUBLISH</c> from elsewhere is
    /// refused with <c>publish_forbidden</c>, and HTTP/WebSocket publishers from elsewhere must present an API key.
    /// An empty string trusts no one. Defaults to loopback: <c>127.0.0.0/8,::1/128</c>.
    /// </summary>
    public string TrustedNetworks { get; set; } = "127.0.0.0/8,::1/128";

    /// <summary>
    /// API keys accepted as <c>Authorization: Bearer &lt;key&gt;</c> (or, from a browser's WebSocket, the
    /// <c>janus-key.&lt;base64url&gt;</c> subprotocol) from untrusted callers. Defaults to none.
    /// </summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>
    /// Comma-separated IP addresses of reverse proxies in front of Janus. Only a request that comes from one of these
    /// (or from <see cref="KnownNetworks"/>) has its forwarded headers believed: the client address (and scheme) they
    /// name then replaces the proxy's for every trust decision. Without any, forwarded headers are ignored.
    /// Defaults to none.
    /// </summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>Comma-separated networks (CIDR) of reverse proxies, as <see cref="KnownProxies"/>. Defaults to none.</summary>
    public string KnownNetworks { get; set; } = "";

    /// <summary>
    /// Which header the known proxies write: <see cref="Options.ForwardedHeader.XForwardedFor"/>
    /// (<c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>) or <see cref="Options.ForwardedHeader.Forwarded"/>
    /// (RFC 7239). The other one is ignored, so a client cannot slip a second, unchecked header past the proxy.
    /// Defaults to <c>XForwardedFor</c>.
    /// </summary>
    public ForwardedHeader ForwardedHeader { get; set; } = ForwardedHeader.XForwardedFor;

    /// <summary>
    /// Comma-separated origins (<c>scheme://host:port</c>, exactly as a browser sends them) whose pages may open a
    /// WebSocket or publish over HTTP; any other browser origin is refused with 403 <c>origin_not_allowed</c>. Pages
    /// from a listed origin may publish on a trusted client address's trust. Requests without <c>Origin</c>
    /// (non-browser clients) are not affected. Empty (the default): any origin may open a WebSocket and subscribe;
    /// only the server's own origin may publish on trust, and only when its host name cannot be a DNS rebinding
    /// (an IP address, <c>localhost</c>, or a name in <see cref="AllowedHosts"/>).
    /// </summary>
    public string AllowedOrigins { get; set; } = "";

    /// <summary>
    /// Comma-separated host names the HTTP port answers to (<c>push.example.com</c>, <c>*.example.com</c>,
    /// <c>localhost</c>, IP addresses); a request whose <c>Host</c> is not one of them is refused with 400
    /// <c>host_not_allowed</c>, which is what stops a DNS rebinding attack. Empty (the default): any host.
    /// </summary>
    public string AllowedHosts { get; set; } = "";

    /// <summary>
    /// Who may read <c>/api/topics</c>, <c>/api/stats</c>, <c>/api/stats/history</c>, <c>/api/history</c> and
    /// <c>/metrics</c>: <see cref="Options.ReadAccess.Open"/> (anyone), <see cref="Options.ReadAccess.TrustedOrKey"/>
    /// (callers outside <see cref="TrustedNetworks"/> need a key) or <see cref="Options.ReadAccess.KeyOnly"/> (every
    /// caller needs a key). A key is one of <see cref="ReadKeys"/> or <see cref="ApiKeys"/>, sent as
    /// <c>Authorization: Bearer</c> or <c>X-Api-Key</c>. Defaults to <c>Open</c>.
    /// </summary>
    public ReadAccess ReadAccess { get; set; } = ReadAccess.Open;

    /// <summary>Keys that may read (see <see cref="ReadAccess"/>) but not publish. Defaults to none.</summary>
    public string[] ReadKeys { get; set; } = [];

    /// <summary>
    /// API keys limited to topic patterns (<c>Janus:Security:PublishKeys:0:Key</c>, <c>…:Topics:0=news:*</c>): a publish
    /// outside the key's topics is refused (HTTP 403, or <c>publish_forbidden</c> on a WebSocket). Defaults to none.
    /// </summary>
    public List<PublishKeyOptions> PublishKeys { get; set; } = [];
}
