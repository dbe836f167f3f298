namespace Janus.Server.Security;

/// <summary>
/// What a validated token allows: its subject, the topic patterns of its topics claim, and until when. Immutable; a
/// fresh token makes a new grant. Holds nothing of the token itself.
/// </summary>
public sealed class SubscribeGrant
{
    /// <summary>Creates a grant.</summary>
    public SubscribeGrant(string subject, IReadOnlyList<TopicPattern> topics, DateTimeOffset expires, DateTimeOffset validUntil)
    {
        ArgumentNullException.ThrowIfNull(topics);
        Subject = subject;
        _topics = [.. topics];
        Expires = expires;
        ValidUntil = validUntil;
    }

    /// <summary>The token's <c>sub</c>.</summary>
    public string Subject { get; }

    // An array: iterating it allocates no enumerator on the subscribe path.
    private readonly TopicPattern[] _topics;

    /// <summary>The patterns of the token's topics claim (<c>{sub}</c> stands for <see cref="Subject"/>).</summary>
    public IReadOnlyList<TopicPattern> Topics => _topics;

    /// <summary>The token's <c>exp</c>.</summary>
    public DateTimeOffset Expires { get; }

    /// <summary><see cref="Expires"/> plus the allowed clock skew: the grant ends at this instant.</summary>
    public DateTimeOffset ValidUntil { get; }

    /// <summary>Whether the grant has ended at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => now >= ValidUntil;

    /// <summary>Whether the topics claim allows <paramref name="topic"/>.</summary>
    public bool AllowsByClaim(ReadOnlySpan<char> topic)
    {
        foreach (TopicPattern pattern in _topics)
        {
            if (pattern.Matches(topic, Subject))
            {
                return true;
            }
        }

        return false;
    }
}
