namespace Janus.Server.Options;

/// <summary>Liveness: one timer checks every connection once a second.</summary>
public sealed class HeartbeatOptions
{
    /// <summary>Send <c>PING</c> to a client nothing was sent to for this long. Defaults to 30 s (the original's figure).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Close a client nothing was received from for this long (any frame counts, <c>PONG</c> included).
    /// Defaults to 90 s: three missed heartbeats.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(90);
}
