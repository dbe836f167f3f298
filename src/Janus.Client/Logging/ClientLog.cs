using Microsoft.Extensions.Logging;

namespace Janus.Client.Logging;

/// <summary>
/// The client's log lines, source-generated with fixed event ids. Nothing is logged per message, and never the
/// session token: it is a capability that resumes the session.
/// </summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to the Janus server at {EndPoint} (sessions: {Sessions})")]
    public static partial void Connected(ILogger logger, string endPoint, bool sessions);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connection to the Janus server lost, reconnecting: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Reconnect attempt {Attempt} in {DelayMs} ms")]
    public static partial void ReconnectScheduled(ILogger logger, int attempt, long delayMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Reconnect attempt {Attempt} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Reconnected after {Attempts} attempt(s): resumed {Resumed}, recovered {Recovered}, {Topics} topic(s)")]
    public static partial void Reconnected(ILogger logger, int attempts, bool resumed, bool recovered, int topics);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Topic {Topic} was not recovered after the reconnect: messages published meanwhile may be missing")]
    public static partial void TopicNotRecovered(ILogger logger, string topic);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "The Janus client ended: {Reason}")]
    public static partial void Closed(ILogger logger, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "The Janus server does not offer sessions (it refused hello); reconnects will subscribe again instead of resuming")]
    public static partial void SessionsUnsupported(ILogger logger);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "A message stream is full and drops messages ({Stream}); read it faster or raise MessageBufferCapacity")]
    public static partial void StreamFull(ILogger logger, string stream);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "A Janus client event handler threw")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Dropped a duplicate delivery on {Topic} at offset {Offset}")]
    public static partial void DuplicateDropped(ILogger logger, string topic, long offset);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "The Janus server ended the subscription to {Topic} ({Code}); a token that allows it is needed to subscribe again")]
    public static partial void TopicEnded(ILogger logger, string topic, string code);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Getting a fresh subscribe token failed; protected subscriptions end when the current one expires")]
    public static partial void TokenRefreshFailed(ILogger logger, Exception exception);
}
