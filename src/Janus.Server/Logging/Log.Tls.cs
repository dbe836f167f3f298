using Microsoft.Extensions.Logging;

namespace Janus.Server.Logging;

// TLS's log lines (ids 120-129), in a file of their own. The password never appears in any of them.
internal static partial class Log
{
    [LoggerMessage(120, LogLevel.Information, "TLS certificate loaded from {Path}: {Subject}, valid until {NotAfter:u}, thumbprint {Thumbprint}")]
    public static partial void TlsCertificateLoaded(ILogger logger, string path, string subject, DateTime notAfter, string thumbprint);

    [LoggerMessage(121, LogLevel.Warning, "The TLS certificate at {Path} changed but could not be loaded ({Reason}); still serving the previous one, and trying again when the file changes")]
    public static partial void TlsCertificateReloadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(122, LogLevel.Warning, "The TLS certificate {Subject} expires at {NotAfter:u}")]
    public static partial void TlsCertificateExpiring(ILogger logger, string subject, DateTime notAfter);
}
