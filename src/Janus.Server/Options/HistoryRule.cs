namespace Janus.Server.Options;

/// <summary>The history of the topics whose names start with <see cref="Prefix"/>.</summary>
public sealed class HistoryRule
{
    /// <summary>The topic-name prefix (compared exactly, case-sensitive).</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Messages kept per topic (0: no history); the default's when not set.</summary>
    public int? Size { get; set; }

    /// <summary>How long a message stays at most; the default's when not set.</summary>
    public TimeSpan? Ttl { get; set; }
}
