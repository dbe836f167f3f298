namespace Janus.Server.Options;

/// <summary>
/// Everything configurable, bound from the <c>Janus</c> section (appsettings.json, <c>JANUS_</c> environment
/// variables such as <c>JANUS_TCP__PORT=9000</c>, or <c>--Janus:Tcp:Port=9000</c> on the command line) and
/// validated at start-up.
/// </summary>
public sealed class JanusOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Janus";

    /// <summary>The original TCP protocol listener.</summary>
    public TcpOptions Tcp { get; set; } = new();

    /// <summary>The HTTP listener (WebSocket, API, metrics, dashboard).</summary>
    public HttpOptions Http { get; set; } = new();

    /// <summary>TLS ports beside the plain ones (off unless a port is set).</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Per-connection limits.</summary>
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>Sessions that outlive a dropped connection (opt-in).</summary>
    public SessionsOptions Sessions { get; set; } = new();

    /// <summary>Each topic's history of last messages.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>Heartbeat PINGs and the silent-client timeout.</summary>
    public HeartbeatOptions Heartbeat { get; set; } = new();

    /// <summary>The Flash cross-domain policy answer.</summary>
    public FlashPolicyOptions FlashPolicy { get; set; } = new();

    /// <summary>Who may publish.</summary>
    public SecurityOptions Security { get; set; } = new();

    /// <summary>Who may subscribe to protected topics (signed tokens).</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>The HTTP API.</summary>
    public ApiOptions Api { get; set; } = new();

    /// <summary>Graceful shutdown.</summary>
    public ShutdownOptions Shutdown { get; set; } = new();

    /// <summary>Several nodes joined through Redis (off unless <c>Janus:Cluster:Redis</c> is set).</summary>
    public ClusterOptions Cluster { get; set; } = new();
}
