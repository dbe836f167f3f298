using Janus.Server.Api;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// The first look at every HTTP request, before any endpoint: the forwarded headers of known proxies are applied (so
/// every later decision sees the real client), then a <c>Host</c> outside <see cref="SecurityOptions.AllowedHosts"/>
/// is refused with 400 <c>host_not_allowed</c>, and a URL that carries a secret (<c>?key=</c>, <c>?token=</c>, …)
/// with 400 <c>secret_in_url</c>: keys travel in headers only, because a URL is written to access logs, proxies' logs
/// and browser history.
/// </summary>
/// <remarks>
/// The WebSocket port's direct upgrade (<see cref="Transports.WebSockets.WebSocketUpgradeMiddleware"/>) calls
/// <see cref="ApplyForwarded"/> and <see cref="Check"/> on its own short-lived request, so both paths judge a request
/// by the same code.
/// </remarks>
public sealed class EdgeMiddleware
{
    /// <summary>Query parameters that name a secret; none of Janus's endpoints reads a secret from the URL.</summary>
    private static readonly string[] SecretParameters = ["key", "api_key", "apikey", "access_token", "token"];

    private readonly AllowedHosts _hosts;
    private readonly HttpRefusals _refusals;
    private readonly ForwardedHeadersMiddleware? _forwarded;
    private readonly bool _translateForwarded;

    /// <summary>Creates the middleware.</summary>
    public EdgeMiddleware(AllowedHosts hosts, HttpRefusals refusals, IOptions<JanusOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _hosts = hosts;
        _refusals = refusals;
        SecurityOptions security = options.Value.Security;
        if (ForwardedHeadersSetup.Create(security) is { } forwarded)
        {
            // ASP.NET Core's own implementation, called directly (ApplyForwarders is what its Invoke does).
            _forwarded = new ForwardedHeadersMiddleware(static _ => Task.CompletedTask, loggerFactory, Microsoft.Extensions.Options.Options.Create(forwarded));
            _translateForwarded = security.ForwardedHeader == ForwardedHeader.Forwarded;
        }
    }

    /// <summary>Checks the request, then passes it on or answers the refusal.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        ApplyForwarded(context);
        (string Code, string Reason)? refusal = Check(context.Request);
        if (refusal is { } refused)
        {
            _refusals.Refused(refused.Code);
            return ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, refused.Code, refused.Reason);
        }

        return next(context);
    }

    /// <summary>
    /// Replaces the client address and scheme by those a known proxy names (<see cref="ForwardedHeadersSetup"/>);
    /// nothing when no proxy is configured.
    /// </summary>
    public void ApplyForwarded(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_forwarded is null)
        {
            return;
        }

        if (_translateForwarded)
        {
            Rfc7239Forwarded.Translate(context.Request.Headers);
        }

        _forwarded.ApplyForwarders(context);
    }

    /// <summary>The 400 refusal's code and reason for this request, or null when it may go on. Counts nothing.</summary>
    public (string Code, string Reason)? Check(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_hosts.IsAllowed(request.Host))
        {
            return ("host_not_allowed", "this server does not answer to that host name (Janus:Security:AllowedHosts)");
        }

        IQueryCollection query = request.Query;
        if (query.Count > 0)
        {
            foreach (string name in SecretParameters)
            {
                if (query.ContainsKey(name))
                {
                    return ("secret_in_url", $"'{name}' in the URL: send a key in the Authorization header (Bearer) or X-Api-Key, or from a browser's WebSocket as the janus-key subprotocol, never in a URL");
                }
            }
        }

        return null;
    }
}
