using System.Net;
using Janus.Server.Api;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// Guards the read-only endpoints (<see cref="SecurityOptions.ReadAccess"/>): <c>/api/topics</c>, <c>/api/stats</c>,
/// <c>/api/stats/history</c>, <c>/api/history</c> and <c>/metrics</c>. A key comes in <c>Authorization: Bearer</c> or
/// <c>X-Api-Key</c>; an API key (which may publish) may also read. A wrong key is refused with 403, a missing one
/// with 401.
/// </summary>
public sealed class ReadAccessGuard
{
    private const string KeyHeader = "X-Api-Key";

    private readonly ReadAccess _access;
    private readonly TrustedNetworks _trusted;
    private readonly ApiKeys _apiKeys;
    private readonly ReadKeys _readKeys;
    private readonly HttpRefusals _refusals;

    /// <summary>Reads the setting.</summary>
    public ReadAccessGuard(IOptions<JanusOptions> options, TrustedNetworks trusted, ApiKeys apiKeys, ReadKeys readKeys, HttpRefusals refusals)
    {
        ArgumentNullException.ThrowIfNull(options);
        _access = options.Value.Security.ReadAccess;
        _trusted = trusted;
        _apiKeys = apiKeys;
        _readKeys = readKeys;
        _refusals = refusals;
    }

    /// <summary>Wraps an endpoint's handler with the check.</summary>
    public RequestDelegate Guard(RequestDelegate inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return _access == ReadAccess.Open ? inner : context => Authorize(context) is { } failure ? RefuseAsync(context, failure) : inner(context);
    }

    private ApiFailure? Authorize(HttpContext context)
    {
        string? key = null;
        bool presented = ApiKeys.TryReadBearer(context.Request.Headers.Authorization, out key);
        if (!presented && context.Request.Headers.TryGetValue(KeyHeader, out var header))
        {
            presented = true;
            key = header.Count == 1 && !string.IsNullOrWhiteSpace(header[0]) ? header[0]!.Trim() : null;
        }

        if (presented)
        {
            if (key is null)
            {
                return new ApiFailure(StatusCodes.Status401Unauthorized, "missing_api_key", "the key must be sent as Authorization: Bearer <key> or X-Api-Key: <key>");
            }

            return _readKeys.IsValid(key) || _apiKeys.IsValid(key) ? null : new ApiFailure(StatusCodes.Status403Forbidden, "invalid_api_key", "the key is not valid");
        }

        if (_access == ReadAccess.TrustedOrKey && context.Connection.RemoteIpAddress is IPAddress address && _trusted.IsTrusted(address))
        {
            return null;
        }

        return new ApiFailure(
            StatusCodes.Status401Unauthorized,
            "missing_api_key",
            _access == ReadAccess.KeyOnly
                ? "reading needs a key (Janus:Security:ReadAccess is KeyOnly): send Authorization: Bearer <key> or X-Api-Key: <key>"
                : "callers outside Janus:Security:TrustedNetworks need a key to read: send Authorization: Bearer <key> or X-Api-Key: <key>");
    }

    private Task RefuseAsync(HttpContext context, ApiFailure failure)
    {
        _refusals.Refused(failure.Code);
        if (failure.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"janus\"";
        }

        return ApiResponses.WriteErrorAsync(context, failure.Status, failure.Code, failure.Reason);
    }
}
