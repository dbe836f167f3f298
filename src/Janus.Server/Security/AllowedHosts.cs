using System.Net;
using Janus.Server.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Janus.Server.Security;

/// <summary>
/// The host names the HTTP port answers to (<see cref="SecurityOptions.AllowedHosts"/>), and which host names a DNS
/// rebinding attack cannot produce.
/// </summary>
/// <remarks>
/// A rebinding attack points a name the attacker owns (<c>evil.example</c>) at this server's address, so the browser
/// sends <c>Host: evil.example</c> and, from the page, <c>Origin: http://evil.example</c>: same origin in the
/// browser's eyes. What the attacker cannot choose is a host that is not a DNS name it owns: an IP address literal or
/// <c>localhost</c> (browsers resolve it to loopback themselves), or a name the operator listed.
/// </remarks>
public sealed class AllowedHosts
{
    private readonly StringSegment[] _patterns;

    /// <summary>Reads the configured list.</summary>
    public AllowedHosts(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] hosts = TrustedNetworks.Split(options.Value.Security.AllowedHosts);
        _patterns = Array.ConvertAll(hosts, static host => new StringSegment(host));
    }

    /// <summary>Whether a list is configured (otherwise every host is answered).</summary>
    public bool IsConfigured => _patterns.Length > 0;

    /// <summary>Whether a request with this <c>Host</c> is answered: always when no list is configured.</summary>
    public bool IsAllowed(HostString host) => !IsConfigured || IsListed(host);

    /// <summary>
    /// Whether this <c>Host</c> cannot be a rebinding attacker's name: an IP address, <c>localhost</c> (or a name
    /// under it), or a name in the configured list.
    /// </summary>
    public bool IsRebindingProof(HostString host)
    {
        string name = host.Host;
        if (name.Length == 0)
        {
            return false;
        }

        if (IPAddress.TryParse(name.Trim('[', ']'), out _)
            || name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IsListed(host);
    }

    private bool IsListed(HostString host) =>
        host.HasValue && HostString.MatchesAny(new StringSegment(host.Host), _patterns);
}
