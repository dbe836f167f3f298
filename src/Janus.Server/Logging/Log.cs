using System.Net;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Logging;

/// <summary>
/// Every Janus log line, source-generated with fixed event ids. Nothing here is called per message: per-connection
/// events are Debug, and the hot path reports through <see cref="Metrics.JanusMetrics"/> instead.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Janus TCP protocol listening on {EndPoint}")]
    public static partial void TcpListening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Information, "Janus HTTP (WebSocket, API, metrics, dashboard) listening on {EndPoint}")]
    public static partial void HttpListening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(10, LogLevel.Debug, "Connection {SessionId} ({Transport}) from {RemoteEndPoint} opened")]
    public static partial void ConnectionOpened(ILogger logger, long sessionId, string transport, EndPoint? remoteEndPoint);

    [LoggerMessage(11, LogLevel.Debug, "Connection {SessionId} ({Transport}) closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long sessionId, string transport, string reason);

    [LoggerMessage(12, LogLevel.Information, "Connection {SessionId} from {RemoteEndPoint} sent bad input and is closed: {ErrorCode}")]
    public static partial void ProtocolError(ILogger logger, long sessionId, EndPoint? remoteEndPoint, string errorCode);

    [LoggerMessage(13, LogLevel.Warning, "Connection {SessionId} from {RemoteEndPoint} is a slow consumer (more than {LimitBytes} bytes queued) and is disconnected")]
    public static partial void SlowConsumer(ILogger logger, long sessionId, EndPoint? remoteEndPoint, long limitBytes);

    [LoggerMessage(14, LogLevel.Debug, "Connection {SessionId} was silent past the heartbeat timeout and is closed")]
    public static partial void HeartbeatTimeout(ILogger logger, long sessionId);

    [LoggerMessage(15, LogLevel.Debug, "Connection {SessionId} did not finish closing in time and is aborted")]
    public static partial void CloseTimedOut(ILogger logger, long sessionId);

    [LoggerMessage(16, LogLevel.Error, "Connection {SessionId} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, long sessionId, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "Shutting down: {Count} connections get {DrainTimeout} to drain")]
    public static partial void ShutdownDraining(ILogger logger, int count, TimeSpan drainTimeout);

    [LoggerMessage(21, LogLevel.Error, "The heartbeat sweep failed")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception);
}
