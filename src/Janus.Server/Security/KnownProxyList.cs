using System.Net;
using Janus.Server.Options;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// The configured reverse proxies (<see cref="SecurityOptions.KnownProxies"/> and
/// <see cref="SecurityOptions.KnownNetworks"/>), for the TCP port's PROXY protocol; the HTTP port's forwarded headers
/// use the same lists through <see cref="ForwardedHeadersSetup"/>.
/// </summary>
public sealed class KnownProxyList
{
    private readonly IPAddress[] _proxies;
    private readonly IPNetwork[] _networks;

    /// <summary>Reads the configured lists.</summary>
    public KnownProxyList(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _proxies = Array.ConvertAll(TrustedNetworks.Split(options.Value.Security.KnownProxies), IPAddress.Parse);
        _networks = Array.ConvertAll(TrustedNetworks.Split(options.Value.Security.KnownNetworks), static n => IPNetwork.Parse(n));
    }

    /// <summary>Whether a connection from <paramref name="endPoint"/> is a known proxy's (IPv4-mapped addresses count as IPv4).</summary>
    public bool IsKnown(EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint { Address: { } address })
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (IPAddress proxy in _proxies)
        {
            if (proxy.Equals(address))
            {
                return true;
            }
        }

        foreach (IPNetwork network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
