using System.Net;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Logging;

/// <summary>
/// Every Janus log line, source-generated with fixed event ids. Nothing here is called per message: per-connection
/// events are Debug, and the hot path reports through <see cref="Metrics.JanusMetrics"/> instead.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Janus TCP protocol (not HTTP) listening on {Url}")]
    public static partial void TcpListening(ILogger logger, string url);

    [LoggerMessage(2, LogLevel.Information, "HTTP listening on {Url}: WebSocket at {WebSocketUrl}, API, metrics, dashboard")]
    public static partial void HttpListening(ILogger logger, string url, string webSocketUrl);

    [LoggerMessage(3, LogLevel.Information, "Flash policy answers on {Url}")]
    public static partial void FlashPolicyListening(ILogger logger, string url);

    [LoggerMessage(4, LogLevel.Warning, "The open-file limit is {Limit}, below the {Needed} that Janus:Limits:ExpectedConnections ({Expected}) needs: connections past it are refused (raise LimitNOFILE in the service unit, or ulimit -n)")]
    public static partial void OpenFileLimitLow(ILogger logger, ulong limit, long needed, int expected);

    [LoggerMessage(5, LogLevel.Information, "Janus {Version} started (process {ProcessId}, {Runtime}, open-file limit {OpenFiles})")]
    public static partial void Started(ILogger logger, string version, int processId, string runtime, string openFiles);

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

    [LoggerMessage(30, LogLevel.Information, "Cluster node {NodeId} connecting to Redis at {Endpoints}")]
    public static partial void ClusterConnecting(ILogger logger, string nodeId, string endpoints);

    [LoggerMessage(31, LogLevel.Information, "Cluster node {NodeId} connected to Redis")]
    public static partial void ClusterConnected(ILogger logger, string nodeId);

    [LoggerMessage(32, LogLevel.Warning, "Redis is unreachable: publishes reach this node's own subscribers only and are lost to other nodes until it is back (counted in janus.cluster.publishes_not_forwarded); reconnecting with backoff")]
    public static partial void ClusterUnreachable(ILogger logger);

    [LoggerMessage(33, LogLevel.Information, "Redis is reachable again after {Outage}; {NotForwarded} publishes were delivered locally only meanwhile; channel subscriptions are being restored")]
    public static partial void ClusterRestored(ILogger logger, TimeSpan outage, long notForwarded);

    [LoggerMessage(34, LogLevel.Debug, "Could not subscribe to the Redis channel of topic {Topic}; retrying once Redis is reachable")]
    public static partial void ClusterSubscribeFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(35, LogLevel.Debug, "Could not unsubscribe from the Redis channel of topic {Topic}")]
    public static partial void ClusterUnsubscribeFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(36, LogLevel.Information, "Cluster peer {PeerId} joined")]
    public static partial void ClusterPeerJoined(ILogger logger, string peerId);

    [LoggerMessage(37, LogLevel.Information, "Cluster peer {PeerId} left ({Reason})")]
    public static partial void ClusterPeerLeft(ILogger logger, string peerId, string reason);

    [LoggerMessage(38, LogLevel.Error, "The cluster's topic subscription worker failed")]
    public static partial void ClusterInterestFailed(ILogger logger, Exception exception);

    [LoggerMessage(39, LogLevel.Error, "The cluster heartbeat failed")]
    public static partial void ClusterHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(40, LogLevel.Error, "Delivering a message from another node on topic {Topic} failed")]
    public static partial void ClusterDeliveryFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(47, LogLevel.Warning, "Reading the history of topic {Topic} from Redis failed; answering from this node's memory")]
    public static partial void ClusterHistoryReadFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(48, LogLevel.Information, "Cluster node {NodeId} uses Redis as {Mode}: topic channels are {Channels}")]
    public static partial void ClusterRedisMode(ILogger logger, string nodeId, string mode, string channels);

    [LoggerMessage(49, LogLevel.Warning, "Cluster node {NodeId} could not reach a primary through the sentinels at {Endpoints}; retrying every heartbeat, serving local subscribers meanwhile")]
    public static partial void ClusterSentinelConnectFailed(ILogger logger, string nodeId, string endpoints, Exception exception);

    [LoggerMessage(41, LogLevel.Error, "Another Janus process announces the same node id {NodeId}: give every node its own Janus:Cluster:NodeId (delivery is unaffected, but peers and logs cannot tell the two apart)")]
    public static partial void ClusterDuplicateNodeId(ILogger logger, string nodeId);

    [LoggerMessage(42, LogLevel.Critical, "epoll_wait failed (errno {Errno}): the epoll transport stops serving its connections")]
    public static partial void EpollWaitFailed(ILogger logger, int errno);

    [LoggerMessage(43, LogLevel.Error, "Connection {ConnectionId} failed in the epoll loop and was aborted")]
    public static partial void EpollConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(44, LogLevel.Warning, "accept failed with errno {Errno} (out of descriptors?): retrying every 100 ms, clients wait in the listen backlog; {Failures} failed so far (logged once a minute while it lasts)")]
    public static partial void EpollAcceptFailed(ILogger logger, int errno, int failures);

    [LoggerMessage(90, LogLevel.Warning, "The TCP port stops accepting: descriptors from {Ceiling} up are kept free for the runtime, Redis and HTTP ({Reserved} below the open-file limit); clients wait in the listen backlog and are let in as connections close ({Failures} checks so far, logged once a minute while it lasts)")]
    public static partial void EpollAcceptPaused(ILogger logger, int ceiling, int reserved, int failures);

    [LoggerMessage(45, LogLevel.Information, "The epoll transport needs Linux; the TCP port uses Kestrel's socket transport")]
    public static partial void EpollUnavailable(ILogger logger);

    [LoggerMessage(91, LogLevel.Error, "Work on epoll loop {Loop} failed (an accept turn); the loop goes on")]
    public static partial void EpollPostedWorkFailed(ILogger logger, int loop, Exception exception);

    [LoggerMessage(46, LogLevel.Information, "accepting again after {Failures} failed attempts: every client that waited in the listen backlog is in")]
    public static partial void EpollAcceptRecovered(ILogger logger, int failures);
}
