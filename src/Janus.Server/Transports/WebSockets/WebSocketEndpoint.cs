using System.Net;
using Janus.Protocol;
using Janus.Server.Api;
using Janus.Server.Logging;
using Janus.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// <c>GET /ws</c>: checks the RFC 6455 opening handshake, decides whether the client may publish, answers
/// <c>101 Switching Protocols</c> through Kestrel's <see cref="IHttpUpgradeFeature"/> and hands the upgraded stream to
/// a <see cref="WebSocketConnection"/> for the rest of the connection's life.
/// </summary>
/// <remarks>
/// Publishing is allowed with a valid API key (<c>Authorization: Bearer</c>, or <c>?key=</c> because browsers cannot
/// set headers on a WebSocket), or from a trusted network when the request is not cross-origin: a page from another
/// site open in a browser on a trusted machine must not publish on that machine's trust (cross-site WebSocket
/// hijacking). A wrong key is refused with 403 rather than silently downgraded.
/// </remarks>
internal sealed class WebSocketEndpoint
{
    /// <summary>The subprotocol a client may ask for (optional); the server answers with it when offered.</summary>
    public const string SubProtocol = "janus";

    private readonly ConnectionServices _services;
    private readonly ApiKeys _keys;
    private readonly ILogger _logger;

    public WebSocketEndpoint(ConnectionServices services, ApiKeys keys, ILoggerFactory loggerFactory)
    {
        _services = services;
        _keys = keys;
        _logger = loggerFactory.CreateLogger("Janus.WebSocket");
    }

    public async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        IHttpUpgradeFeature? upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !HttpMethods.IsGet(request.Method) || !HasToken(request.Headers.Upgrade, "websocket"))
        {
            context.Response.Headers.Upgrade = "websocket";
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, "websocket_required", "this endpoint speaks WebSocket only: send a GET with Upgrade: websocket");
            return;
        }

        if (!string.Equals(request.Headers.SecWebSocketVersion, WebSocketHandshake.Version, StringComparison.Ordinal))
        {
            context.Response.Headers.SecWebSocketVersion = WebSocketHandshake.Version;
            await RefuseAsync(context, StatusCodes.Status426UpgradeRequired, "unsupported_websocket_version", "only Sec-WebSocket-Version 13 is supported");
            return;
        }

        string? key = request.Headers.SecWebSocketKey;
        if (!WebSocketHandshake.IsValidKey(key))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "invalid_websocket_key", "Sec-WebSocket-Key must be 16 bytes in base64");
            return;
        }

        if (_services.Connections.IsStopping)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "server_shutdown", ProtocolErrors.Reason(ProtocolError.ServerShutdown));
            return;
        }

        bool keyPresented = TryGetKey(request, out string? presented);
        PublishScope? scope = null;
        if (keyPresented && (presented is null || !_keys.TryMatch(presented, out scope)))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "invalid_api_key", "the API key is not valid");
            return;
        }

        bool mayPublish = keyPresented || (IsTrusted(context) && IsSameOrigin(request));
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = WebSocketHandshake.ComputeAccept(key!);
        if (HasToken(request.Headers.SecWebSocketProtocol, SubProtocol))
        {
            // Browsers fail a handshake that offered subprotocols and got none back; "janus" is the one we speak.
            context.Response.Headers.SecWebSocketProtocol = SubProtocol;
        }

        Stream stream = await upgrade.UpgradeAsync();
        await WebSocketConnection.RunAsync(_services, context, stream, mayPublish, IsDashboard(request), scope);
    }

    /// <summary>
    /// The dashboard page marks its own connection with <c>?dashboard=1</c> so that it is counted apart from client
    /// connections. Only a label for the counts: it grants nothing, so a client that claims it merely miscounts itself.
    /// </summary>
    private static bool IsDashboard(HttpRequest request) =>
        request.Query.TryGetValue("dashboard", out StringValues value) && value.Count == 1 && value[0] == "1";

    private bool IsTrusted(HttpContext context) =>
        context.Connection.RemoteIpAddress is IPAddress address && _services.Trusted.IsTrusted(address);

    /// <summary>A key from <c>Authorization: Bearer</c> or <c>?key=</c>; true if either was given (even empty or malformed).</summary>
    private static bool TryGetKey(HttpRequest request, out string? key)
    {
        if (ApiKeys.TryReadBearer(request.Headers.Authorization, out key))
        {
            return true;
        }

        if (request.Query.TryGetValue("key", out StringValues query))
        {
            key = query.Count == 1 && !string.IsNullOrEmpty(query[0]) ? query[0] : null;
            return true;
        }

        return false;
    }

    /// <summary>True without an <c>Origin</c> (not a browser), or when the page came from this very host and port.</summary>
    private static bool IsSameOrigin(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? originUri))
        {
            return false;
        }

        HostString host = request.Host;
        int requestPort = host.Port ?? (request.IsHttps ? 443 : 80);
        return string.Equals(originUri.Host, host.Host, StringComparison.OrdinalIgnoreCase) && originUri.Port == requestPort;
    }

    private static bool HasToken(StringValues header, string token)
    {
        foreach (string? value in header)
        {
            if (value is null)
            {
                continue;
            }

            foreach (string part in value.Split(','))
            {
                if (string.Equals(part.Trim(), token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private Task RefuseAsync(HttpContext context, int status, string code, string reason)
    {
        WebLog.UpgradeRefused(_logger, status, code);
        return ApiResponses.WriteErrorAsync(context, status, code, reason);
    }
}
