using Janus.Server.Api;
using Janus.Server.Metrics;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Security;

/// <summary>
/// The first look at every HTTP request, before any endpoint: a <c>Host</c> outside
/// <see cref="Options.SecurityOptions.AllowedHosts"/> is refused with 400 <c>host_not_allowed</c>, and a URL that
/// carries a secret (<c>?key=</c>, <c>?token=</c>, …) with 400 <c>secret_in_url</c>: keys travel in headers only,
/// because a URL is written to access logs, proxies' logs and browser history.
/// </summary>
public sealed class EdgeMiddleware
{
    /// <summary>Query parameters that name a secret; none of Janus's endpoints reads a secret from the URL.</summary>
    private static readonly string[] SecretParameters = ["key", "api_key", "apikey", "access_token", "token"];

    private readonly AllowedHosts _hosts;
    private readonly HttpRefusals _refusals;

    /// <summary>Creates the middleware.</summary>
    public EdgeMiddleware(AllowedHosts hosts, HttpRefusals refusals)
    {
        _hosts = hosts;
        _refusals = refusals;
    }

    /// <summary>Checks the request, then passes it on or answers the refusal.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!_hosts.IsAllowed(context.Request.Host))
        {
            return RefuseAsync(context, "host_not_allowed", "this server does not answer to that host name (Janus:Security:AllowedHosts)");
        }

        IQueryCollection query = context.Request.Query;
        if (query.Count > 0)
        {
            foreach (string name in SecretParameters)
            {
                if (query.ContainsKey(name))
                {
                    return RefuseAsync(context, "secret_in_url", $"'{name}' in the URL: send a key in the Authorization header (Bearer) or X-Api-Key, or from a browser's WebSocket as the janus-key subprotocol, never in a URL");
                }
            }
        }

        return next(context);
    }

    private Task RefuseAsync(HttpContext context, string code, string reason)
    {
        _refusals.Refused(code);
        return ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, code, reason);
    }
}
