namespace Janus.Server.Security;

/// <summary>The topics a scoped publish key may publish to (<c>Janus:Security:PublishKeys:N:Topics</c>).</summary>
public sealed class PublishScope
{
    private readonly TopicPattern[] _topics;

    /// <summary>Creates a scope from parsed patterns.</summary>
    public PublishScope(TopicPattern[] topics) => _topics = topics;

    /// <summary>Whether the scope allows publishing to <paramref name="topic"/>.</summary>
    public bool Allows(ReadOnlySpan<char> topic)
    {
        foreach (TopicPattern pattern in _topics)
        {
            if (pattern.Matches(topic, default))
            {
                return true;
            }
        }

        return false;
    }
}
