using System.Net;
using Janus.Protocol;
using Janus.Server.Api;
using Janus.Server.Limits;
using Janus.Server.Logging;
using Janus.Server.Metrics;
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
/// Publishing is allowed with a valid API key (<c>Authorization: Bearer</c>, or, because browsers cannot set headers
/// on a WebSocket, the subprotocol <c>janus-key.&lt;base64url of the key&gt;</c> offered beside <c>janus</c>; never in
/// the URL), or from a trusted network when the page is one Janus vouches for (<see cref="OriginPolicy"/>): a page from
/// another site, or from a host name a DNS rebinding could have made, open in a browser on a trusted machine must not
/// publish on that machine's trust (cross-site WebSocket hijacking). An origin outside a configured
/// <c>Janus:Security:AllowedOrigins</c> is refused with 403. A wrong key is refused with 403 rather than silently
/// downgraded.
/// </remarks>
internal sealed class WebSocketEndpoint
{
    /// <summary>The subprotocol a client may ask for (optional); the server answers with it when offered.</summary>
    public const string SubProtocol = "janus";

    /// <summary>The prefix of the subprotocol that carries a browser's key: <c>janus-key.</c> + base64url (no padding).</summary>
    public const string KeyProtocolPrefix = "janus-key.";

    private readonly ConnectionServices _services;
    private readonly ApiKeys _keys;
    private readonly OriginPolicy _origins;
    private readonly HttpRefusals _refusals;
    private readonly ILogger _logger;

    public WebSocketEndpoint(ConnectionServices services, ApiKeys keys, OriginPolicy origins, HttpRefusals refusals, ILoggerFactory loggerFactory)
    {
        _services = services;
        _keys = keys;
        _origins = origins;
        _refusals = refusals;
        _logger = loggerFactory.CreateLogger("Janus.WebSocket");
    }

    /// <summary>
    /// Whether <c>/ws</c> is mapped in the host's HTTP pipeline (<see cref="Hosting.JanusWebEndpointRouteBuilderExtensions.MapJanusWebSockets"/>):
    /// only then does <see cref="WebSocketUpgradeMiddleware"/> serve upgrades directly.
    /// </summary>
    public bool IsMapped { get; set; }

    /// <summary>The path this endpoint is mapped at.</summary>
    public const string Path = "/ws";

    /// <summary>Kestrel's HTTP path: the request has come through routing and the edge middleware.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        UpgradeVerdict verdict = Check(context);
        if (!verdict.Accepted)
        {
            await RefuseAsync(context, verdict);
            return;
        }

        // The direct path may have asked the limiter already and fallen back here to answer its refusal: asking again
        // would count the refusal twice (and take a second rate token).
        AddressConnections? slot = null;
        ProtocolError refused = context.Features.Get<WebSocketAdmissionFeature>()?.Take() ?? ProtocolError.None;
        if (refused == ProtocolError.None)
        {
            // Last of the checks, so that only a connection about to be upgraded holds a place.
            refused = _services.Limiter.TryAdmit(context.Connection.RemoteIpAddress, out slot);
        }

        if (refused != ProtocolError.None)
        {
            await RefuseAsync(context, LimitRefusal(refused));
            return;
        }

        Stream stream;
        try
        {
            context.Response.Headers.Upgrade = "websocket";
            context.Response.Headers.SecWebSocketAccept = WebSocketHandshake.ComputeAccept(verdict.Key!);
            if (verdict.OfferedSubProtocol)
            {
                // Browsers fail a handshake that offered subprotocols and got none back; "janus" is the one we speak.
                context.Response.Headers.SecWebSocketProtocol = SubProtocol;
            }

            stream = await context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync();
        }
        catch
        {
            _services.Limiter.Release(slot);
            throw;
        }

        _services.Metrics.WebSocketUpgraded(direct: false);

        // The connection gives its place back when it is gone.
        await WebSocketConnection.RunAsync(_services, context, stream, verdict, slot);
    }

    /// <summary>
    /// Every check of an upgrade request but the connection limiter's, in the order the refusals take precedence. Has
    /// no side effect (counts and logs nothing), so the direct path can ask first and leave a refusal to this one.
    /// </summary>
    public UpgradeVerdict Check(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpRequest request = context.Request;
        IHttpUpgradeFeature? upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !HttpMethods.IsGet(request.Method) || !HasToken(request.Headers.Upgrade, "websocket"))
        {
            return UpgradeVerdict.Refuse(StatusCodes.Status426UpgradeRequired, "websocket_required", "this endpoint speaks WebSocket only: send a GET with Upgrade: websocket", "Upgrade", "websocket");
        }

        if (!string.Equals(request.Headers.SecWebSocketVersion, WebSocketHandshake.Version, StringComparison.Ordinal))
        {
            return UpgradeVerdict.Refuse(StatusCodes.Status426UpgradeRequired, "unsupported_websocket_version", "only Sec-WebSocket-Version 13 is supported", "Sec-WebSocket-Version", WebSocketHandshake.Version);
        }

        string? key = request.Headers.SecWebSocketKey;
        if (!WebSocketHandshake.IsValidKey(key))
        {
            return UpgradeVerdict.Refuse(StatusCodes.Status400BadRequest, "invalid_websocket_key", "Sec-WebSocket-Key must be 16 bytes in base64");
        }

        if (_services.Connections.IsStopping)
        {
            return UpgradeVerdict.Refuse(StatusCodes.Status503ServiceUnavailable, "server_shutdown", ProtocolErrors.Reason(ProtocolError.ServerShutdown));
        }

        OriginVerdict origin = _origins.Check(request);
        if (origin == OriginVerdict.Refused)
        {
            return UpgradeVerdict.Refuse(StatusCodes.Status403Forbidden, "origin_not_allowed", "pages from this origin may not connect (Janus:Security:AllowedOrigins)", countedAtEdge: true);
        }

        bool keyPresented = TryGetKey(request, out string? presented);
        PublishScope? scope = null;
        if (keyPresented && (presented is null || !_keys.TryMatch(presented, out scope)))
        {
            return UpgradeVerdict.Refuse(StatusCodes.Status403Forbidden, "invalid_api_key", "the API key is not valid");
        }

        return new UpgradeVerdict
        {
            Key = key,
            MayPublish = keyPresented || (IsTrusted(context) && origin != OriginVerdict.Foreign),
            Dashboard = IsDashboard(request),
            OfferedSubProtocol = HasToken(request.Headers.SecWebSocketProtocol, SubProtocol),
            Scope = scope,
        };
    }

    /// <summary>
    /// The connection limiter's refusal as HTTP: the server is full, 503; this address has its share or connects too
    /// fast, 429. Retry-After says when trying again makes sense.
    /// </summary>
    private static UpgradeVerdict LimitRefusal(ProtocolError refused) => UpgradeVerdict.Refuse(
        refused == ProtocolError.TooManyConnections ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests,
        ProtocolErrors.Code(refused),
        ProtocolErrors.Reason(refused),
        "Retry-After",
        "1");

    /// <summary>
    /// The dashboard page marks its own connection with <c>?dashboard=1</c> so that it is counted apart from client
    /// connections. Only a label for the counts: it grants nothing, so a client that claims it merely miscounts itself.
    /// </summary>
    private static bool IsDashboard(HttpRequest request) =>
        request.Query.TryGetValue("dashboard", out StringValues value) && value.Count == 1 && value[0] == "1";

    private bool IsTrusted(HttpContext context) =>
        context.Connection.RemoteIpAddress is IPAddress address && _services.Trusted.IsTrusted(address);

    /// <summary>
    /// A key from <c>Authorization: Bearer</c> or the <c>janus-key.</c> subprotocol; true if either was given (even
    /// empty or malformed). The subprotocol is never echoed back: the answer names only <c>janus</c>.
    /// </summary>
    private static bool TryGetKey(HttpRequest request, out string? key)
    {
        if (ApiKeys.TryReadBearer(request.Headers.Authorization, out key))
        {
            return true;
        }

        foreach (string? value in request.Headers.SecWebSocketProtocol)
        {
            if (value is null)
            {
                continue;
            }

            foreach (string part in value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.StartsWith(KeyProtocolPrefix, StringComparison.Ordinal))
                {
                    key = DecodeKey(part.AsSpan(KeyProtocolPrefix.Length));
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The key from base64url (RFC 4648 §5, no padding), or null when it is not that or not UTF-8.</summary>
    private static string? DecodeKey(ReadOnlySpan<char> encoded)
    {
        if (encoded.IsEmpty || encoded.Length > 1024)
        {
            return null;
        }

        try
        {
            byte[] bytes = System.Buffers.Text.Base64Url.DecodeFromChars(encoded);
            return new System.Text.UTF8Encoding(false, true).GetString(bytes);
        }
        catch (FormatException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
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

    private Task RefuseAsync(HttpContext context, in UpgradeVerdict verdict)
    {
        if (verdict.CountedAtEdge)
        {
            _refusals.Refused(verdict.Code!);
        }

        if (verdict.HeaderName is { } name)
        {
            context.Response.Headers[name] = verdict.HeaderValue;
        }

        WebLog.UpgradeRefused(_logger, verdict.Status, verdict.Code!);
        return ApiResponses.WriteErrorAsync(context, verdict.Status, verdict.Code!, verdict.Reason!);
    }
}
