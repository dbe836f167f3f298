using Microsoft.Extensions.Logging;

namespace Janus.Server.Logging;

/// <summary>
/// Wraps the host's logger factory so that a framework log line never carries a secret from a URL. ASP.NET Core's
/// request log (<c>Microsoft.AspNetCore.Hosting.Diagnostics</c>, Information) writes the full URL with its query
/// string before any middleware runs, so a client that puts <c>?key=…</c> in a URL (refused with
/// <c>secret_in_url</c>, but already logged) would otherwise leave the key in the log. Janus's own categories never
/// log a URL or a key and are passed through untouched.
/// </summary>
internal sealed class SecretScrubbingLoggerFactory : ILoggerFactory
{
    private readonly ILoggerFactory _inner;

    public SecretScrubbingLoggerFactory(ILoggerFactory inner) => _inner = inner;

    public ILogger CreateLogger(string categoryName)
    {
        ILogger logger = _inner.CreateLogger(categoryName);
        return categoryName.StartsWith("Microsoft.", StringComparison.Ordinal) || categoryName.StartsWith("System.", StringComparison.Ordinal)
            ? new SecretScrubbingLogger(logger)
            : logger;
    }

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    public void Dispose() => _inner.Dispose();
}
