namespace Janus.Server.Options;

/// <summary>Who may publish.</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Comma-separated networks (CIDR) whose clients may publish without a key: TCP <c>PUBLISH</c> from elsewhere is
    /// refused with <c>publish_forbidden</c>, and HTTP/WebSocket publishers from elsewhere must present an API key.
    /// An empty string trusts no one. Defaults to loopback: <c>127.0.0.0/8,::1/128</c>.
    /// </summary>
    public string TrustedNetworks { get; set; } = "127.0.0.0/8,::1/128";

    /// <summary>API keys accepted as <c>Authorization: Bearer &lt;key&gt;</c> from untrusted callers. Defaults to none.</summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>
    /// API keys limited to topic patterns (<c>Janus:Security:PublishKeys:0:Key</c>, <c>…:Topics:0=news:*</c>): a publish
    /// outside the key's topics is refused (HTTP 403, or <c>publish_forbidden</c> on a WebSocket). Defaults to none.
    /// </summary>
    public List<PublishKeyOptions> PublishKeys { get; set; } = [];
}
