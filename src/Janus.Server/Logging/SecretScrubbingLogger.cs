using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Logging;

/// <summary>
/// A logger that replaces the value of every secret-looking query parameter (<c>key</c>, <c>api_key</c>,
/// <c>apikey</c>, <c>access_token</c>, <c>token</c>) with <c>[redacted]</c>, in the message and in each structured
/// value. Costs a regular-expression scan per line, and only for lines that are written at all.
/// </summary>
internal sealed partial class SecretScrubbingLogger : ILogger
{
    private const string Redacted = "$1[redacted]";

    private readonly ILogger _inner;

    public SecretScrubbingLogger(ILogger inner) => _inner = inner;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => _inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => _inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!_inner.IsEnabled(logLevel))
        {
            return;
        }

        string message = formatter(state, exception);
        bool secret = SecretInQuery().IsMatch(message);
        if (!secret && state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (KeyValuePair<string, object?> value in values)
            {
                if (value.Value is string text && SecretInQuery().IsMatch(text))
                {
                    secret = true;
                    break;
                }
            }
        }

        if (!secret)
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        var scrubbed = new List<KeyValuePair<string, object?>>();
        if (state is IReadOnlyList<KeyValuePair<string, object?>> structured)
        {
            foreach (KeyValuePair<string, object?> value in structured)
            {
                scrubbed.Add(value.Value is string text ? new(value.Key, Scrub(text)) : value);
            }
        }

        var line = new ScrubbedLine(Scrub(message), scrubbed);
        _inner.Log(logLevel, eventId, line, exception, static (s, _) => s.Message);
    }

    /// <summary>Replaces every secret query value in <paramref name="text"/>.</summary>
    public static string Scrub(string text) => SecretInQuery().Replace(text, Redacted);

    [GeneratedRegex(@"([?&](?:key|api_key|apikey|access_token|token)=)[^&\s#""']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretInQuery();

    /// <summary>The scrubbed line: its message, and its structured values for structured sinks (JSON console).</summary>
    private sealed class ScrubbedLine(string message, List<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
