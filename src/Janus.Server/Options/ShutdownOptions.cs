namespace Janus.Server.Options;

/// <summary>What happens on SIGTERM / Ctrl-C.</summary>
public sealed class ShutdownOptions
{
    /// <summary>How long connections may take to send what is queued before they are aborted. Defaults to 5 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
