using Microsoft.Extensions.Logging;

namespace Janus.Server.Logging;

/// <summary>Log lines of the WebSocket endpoint, the HTTP API and the stats sampler (event ids 30–39).</summary>
internal static partial class WebLog
{
    [LoggerMessage(30, LogLevel.Debug, "WebSocket upgrade refused with {StatusCode}: {ErrorCode}")]
    public static partial void UpgradeRefused(ILogger logger, int statusCode, string errorCode);

    [LoggerMessage(31, LogLevel.Debug, "HTTP publish refused with {StatusCode}: {ErrorCode} ({Reason})")]
    public static partial void PublishRefused(ILogger logger, int statusCode, string errorCode, string reason);

    [LoggerMessage(33, LogLevel.Information, "A TCP connection from the known proxy {RemoteEndPoint} sent no valid PROXY protocol header and is closed")]
    public static partial void ProxyHeaderRefused(ILogger logger, System.Net.EndPoint? remoteEndPoint);

    [LoggerMessage(32, LogLevel.Error, "The stats sampler failed")]
    public static partial void SamplerFailed(ILogger logger, Exception exception);
}
