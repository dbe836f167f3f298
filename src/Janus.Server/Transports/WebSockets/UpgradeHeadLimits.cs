namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// Kestrel's bounds on a request head (<c>KestrelServerLimits</c>), as <see cref="UpgradeRequestHead"/> applies them:
/// a head past any of them is left to Kestrel, which refuses it as before.
/// </summary>
/// <param name="MaxRequestLineBytes">The request line with its CRLF (<c>MaxRequestLineSize</c>).</param>
/// <param name="MaxHeaderBytes">The header lines with their CRLFs and the final empty line (<c>MaxRequestHeadersTotalSize</c>).</param>
/// <param name="MaxHeaders">The number of header lines (<c>MaxRequestHeaderCount</c>).</param>
internal readonly record struct UpgradeHeadLimits(int MaxRequestLineBytes, int MaxHeaderBytes, int MaxHeaders);
