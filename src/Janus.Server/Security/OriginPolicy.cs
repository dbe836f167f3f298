using System.Globalization;
using Janus.Server.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// Judges a browser request's <c>Origin</c> (<see cref="SecurityOptions.AllowedOrigins"/>): a WebSocket upgrade or an
/// HTTP publish from a page.
/// </summary>
/// <remarks>
/// Origins are compared exactly, as <c>scheme://host:port</c> with the default port made explicit, so an
/// <c>https://</c> page is not the origin of an <c>http://</c> server (and the other way round). With no list, the
/// server's own origin is the request's scheme (<c>X-Forwarded-Proto</c> from a known proxy counts) with its
/// <c>Host</c>, and is vouched for only when that host is rebinding-proof (<see cref="AllowedHosts"/>).
/// </remarks>
public sealed class OriginPolicy
{
    private readonly HashSet<string> _origins;
    private readonly AllowedHosts _hosts;

    /// <summary>Reads the configured list.</summary>
    public OriginPolicy(IOptions<JanusOptions> options, AllowedHosts hosts)
    {
        ArgumentNullException.ThrowIfNull(options);
        _hosts = hosts;
        _origins = new HashSet<string>(StringComparer.Ordinal);
        foreach (string origin in TrustedNetworks.Split(options.Value.Security.AllowedOrigins))
        {
            if (TryNormalize(origin, out string? normal))
            {
                _origins.Add(normal);
            }
        }
    }

    /// <summary>Whether a list is configured.</summary>
    public bool IsConfigured => _origins.Count > 0;

    /// <summary>Judges <paramref name="request"/>'s <c>Origin</c> header.</summary>
    public OriginVerdict Check(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return OriginVerdict.None;
        }

        // "null" (a sandboxed frame, a file: page) and anything malformed are nobody's origin.
        bool parsed = TryNormalize(origin, out string? normal);
        if (IsConfigured)
        {
            return parsed && _origins.Contains(normal!) ? OriginVerdict.Allowed : OriginVerdict.Refused;
        }

        return parsed && normal == Own(request) && _hosts.IsRebindingProof(request.Host) ? OriginVerdict.Allowed : OriginVerdict.Foreign;
    }

    /// <summary>
    /// <c>scheme://host:port</c> in lower case with the port always written, for <c>http</c> and <c>https</c> origins
    /// (a bare origin: no path other than <c>/</c>, no query, no user); false for anything else.
    /// </summary>
    public static bool TryNormalize(string origin, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? normal)
    {
        normal = null;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return false;
        }

        normal = string.Create(CultureInfo.InvariantCulture, $"{uri.Scheme}://{uri.Host.ToLowerInvariant()}:{uri.Port}");
        return true;
    }

    /// <summary>The origin of the server as this request reached it.</summary>
    private static string? Own(HttpRequest request)
    {
        HostString host = request.Host;
        if (!host.HasValue)
        {
            return null;
        }

        string scheme = request.Scheme.ToLowerInvariant();
        int port = host.Port ?? (scheme == "https" ? 443 : 80);
        string name = host.Host.ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $"{scheme}://{name}:{port}");
    }
}
