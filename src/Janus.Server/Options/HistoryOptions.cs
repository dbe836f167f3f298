namespace Janus.Server.Options;

/// <summary>
/// How many of its last messages each topic keeps for subscribe-from-position, resume and <c>GET /api/history</c>
/// (docs/sessions.md).
/// </summary>
public sealed class HistoryOptions
{
    /// <summary>
    /// Messages kept per topic; 0 turns history off (such a topic pays nothing per publish for it). Defaults to 100:
    /// enough for a client back within the grace period to recover what its dropped socket swallowed, at a bounded
    /// cost per topic.
    /// </summary>
    public int Size { get; set; } = 100;

    /// <summary>How long a message stays in the history at most. Defaults to 5 minutes (longer than the 60 s grace period).</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Overrides by topic-name prefix, e.g. <c>Janus:History:Rules:0:Prefix=chat:</c>, <c>…:Size=1000</c>; the longest
    /// matching prefix wins. A rule without Size or Ttl takes the default's.
    /// </summary>
    public List<HistoryRule> Rules { get; set; } = [];
}
