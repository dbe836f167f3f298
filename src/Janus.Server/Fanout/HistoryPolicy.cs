namespace Janus.Server.Fanout;

/// <summary>
/// How much history each topic keeps: a default, and overrides by topic-name prefix (the longest matching prefix
/// wins). Resolved once per topic, when the topic is created.
/// </summary>
public sealed class HistoryPolicy
{
    private readonly (string Prefix, int Size, TimeSpan Ttl)[] _rules;

    /// <summary>Creates a policy.</summary>
    public HistoryPolicy(int size, TimeSpan ttl, IEnumerable<(string Prefix, int Size, TimeSpan Ttl)>? rules = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        Size = size;
        Ttl = ttl;
        var list = new List<(string Prefix, int Size, TimeSpan Ttl)>(rules ?? []);

        // Longest prefix first, so the first match is the most specific.
        list.Sort(static (a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
        _rules = [.. list];
    }

    /// <summary>No history for any topic.</summary>
    public static HistoryPolicy None { get; } = new(0, TimeSpan.Zero);

    /// <summary>The default number of messages kept per topic (0: none).</summary>
    public int Size { get; }

    /// <summary>The default age after which a message leaves the history.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Whether any topic may keep history.</summary>
    public bool Any
    {
        get
        {
            if (Size > 0)
            {
                return true;
            }

            foreach ((string _, int size, TimeSpan _) in _rules)
            {
                if (size > 0)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The size and age bound for a topic name.</summary>
    public (int Size, TimeSpan Ttl) For(ReadOnlySpan<char> topic)
    {
        foreach ((string prefix, int size, TimeSpan ttl) in _rules)
        {
            if (topic.StartsWith(prefix, StringComparison.Ordinal))
            {
                return (size, ttl);
            }
        }

        return (Size, Ttl);
    }
}
