namespace Janus.Server.Security;

/// <summary>
/// A topic pattern: literal text, at most one <c>{sub}</c> placeholder and an optional trailing <c>*</c>
/// (<c>private:*</c>, <c>user:{sub}:*</c>, <c>news</c>). Matching compares spans and allocates nothing.
/// </summary>
/// <remarks>
/// <c>{sub}</c> stands for one name segment: it must be followed by a literal character (or end the pattern), and it
/// matches the non-empty text up to that character's first occurrence. As a protection (<see cref="MatchesAnySubject"/>)
/// it matches any subject; as a grant (<see cref="Matches"/>) only the token's own subject.
/// </remarks>
public sealed class TopicPattern
{
    /// <summary>The placeholder for the token's subject.</summary>
    public const string SubjectPlaceholder = "{sub}";

    private readonly string _prefix;
    private readonly string _suffix;
    private readonly bool _hasSubject;
    private readonly bool _wildcard;

    private TopicPattern(string text, string prefix, string suffix, bool hasSubject, bool wildcard)
    {
        Text = text;
        _prefix = prefix;
        _suffix = suffix;
        _hasSubject = hasSubject;
        _wildcard = wildcard;
    }

    /// <summary>The pattern as configured.</summary>
    public string Text { get; }

    /// <summary>Whether the pattern holds <c>{sub}</c>.</summary>
    public bool HasSubject => _hasSubject;

    /// <summary>
    /// Parses a pattern; false (with a reason) for an empty one, a <c>*</c> anywhere but at the end, more than one
    /// <c>{sub}</c>, a <c>{sub}</c> followed directly by <c>*</c>, or (when <paramref name="allowSubject"/> is false)
    /// any <c>{sub}</c>.
    /// </summary>
    public static bool TryParse(string text, bool allowSubject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TopicPattern? pattern, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        pattern = null;
        error = null;
        bool wildcard = text.EndsWith('*');
        string body = wildcard ? text[..^1] : text;
        if (text.Length == 0)
        {
            error = "a pattern must not be empty";
            return false;
        }

        if (body.Contains('*', StringComparison.Ordinal))
        {
            error = "'*' may only end a pattern";
            return false;
        }

        int placeholder = body.IndexOf(SubjectPlaceholder, StringComparison.Ordinal);
        if (placeholder < 0)
        {
            pattern = new TopicPattern(text, body, "", hasSubject: false, wildcard);
            return true;
        }

        if (!allowSubject)
        {
            error = "'{sub}' has no meaning here";
            return false;
        }

        string suffix = body[(placeholder + SubjectPlaceholder.Length)..];
        if (suffix.Contains(SubjectPlaceholder, StringComparison.Ordinal))
        {
            error = "a pattern may hold '{sub}' once";
            return false;
        }

        if (suffix.Length == 0 && wildcard)
        {
            error = "'{sub}' must be followed by a literal character before '*' (e.g. 'user:{sub}:*')";
            return false;
        }

        pattern = new TopicPattern(text, body[..placeholder], suffix, hasSubject: true, wildcard);
        return true;
    }

    /// <summary>Whether <paramref name="topic"/> matches with <c>{sub}</c> standing for <paramref name="subject"/>.</summary>
    public bool Matches(ReadOnlySpan<char> topic, ReadOnlySpan<char> subject)
    {
        if (!topic.StartsWith(_prefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = topic[_prefix.Length..];
        if (_hasSubject)
        {
            if (subject.IsEmpty || !rest.StartsWith(subject, StringComparison.Ordinal))
            {
                return false;
            }

            rest = rest[subject.Length..];
            if (!rest.StartsWith(_suffix, StringComparison.Ordinal))
            {
                return false;
            }

            rest = rest[_suffix.Length..];
        }

        return _wildcard || rest.IsEmpty;
    }

    /// <summary>
    /// Whether <paramref name="topic"/> matches for some subject; <paramref name="subject"/> is the text <c>{sub}</c>
    /// stood for (empty when the pattern has none).
    /// </summary>
    public bool MatchesAnySubject(ReadOnlySpan<char> topic, out ReadOnlySpan<char> subject)
    {
        subject = default;
        if (!topic.StartsWith(_prefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = topic[_prefix.Length..];
        if (_hasSubject)
        {
            int end = _suffix.Length == 0 ? rest.Length : rest.IndexOf(_suffix[0]);
            if (end <= 0)
            {
                return false;
            }

            subject = rest[..end];
            rest = rest[end..];
            if (!rest.StartsWith(_suffix, StringComparison.Ordinal))
            {
                return false;
            }

            rest = rest[_suffix.Length..];
        }

        return _wildcard || rest.IsEmpty;
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
