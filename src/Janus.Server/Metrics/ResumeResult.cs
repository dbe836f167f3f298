namespace Janus.Server.Metrics;

/// <summary>How a resume ended (docs/sessions.md).</summary>
public enum ResumeResult
{
    /// <summary>Taken over, nothing missing.</summary>
    Recovered,

    /// <summary>Taken over, but some topic could not be filled from history.</summary>
    Unrecovered,

    /// <summary>No such session (unknown token, or its grace period ended).</summary>
    Expired,

    /// <summary>The session's queue overflowed while it waited.</summary>
    Overflowed,
}
