using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Janus.Cluster.Tests;

/// <summary>Records the event ids a server logs (Warning and above; the test server's minimum level).</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _entries = new();

    /// <summary>Raised after each entry is recorded, with its event id.</summary>
    public event Action<int>? Logged;

    public int Count(int eventId) => _entries.Count(e => e.EventId == eventId);

    /// <summary>Everything recorded, one line per entry, for failure messages.</summary>
    public override string ToString() => string.Join(Environment.NewLine, _entries.Select(e => $"{e.Level} {e.EventId}: {e.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
            owner.Logged?.Invoke(eventId.Id);
        }
    }
}
