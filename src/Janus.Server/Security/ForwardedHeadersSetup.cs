using System.Net;
using Janus.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace Janus.Server.Security;

/// <summary>
/// ASP.NET Core's forwarded-headers middleware, set up from <see cref="SecurityOptions.KnownProxies"/> and
/// <see cref="SecurityOptions.KnownNetworks"/>: only a request from a known proxy has its client address and scheme
/// replaced by the ones the proxy names, and every later decision (trusted network, same origin, logs) sees those.
/// </summary>
public static class ForwardedHeadersSetup
{
    /// <summary>The middleware's options, or null when no proxy is configured (then forwarded headers are ignored).</summary>
    public static ForwardedHeadersOptions? Create(SecurityOptions security)
    {
        ArgumentNullException.ThrowIfNull(security);
        string[] proxies = TrustedNetworks.Split(security.KnownProxies);
        string[] networks = TrustedNetworks.Split(security.KnownNetworks);
        if (proxies.Length == 0 && networks.Length == 0)
        {
            return null;
        }

        var options = new ForwardedHeadersOptions
        {
            // Not X-Forwarded-Host: every proxy in docs/security.md passes the client's Host through unchanged, and a
            // host taken from a header would only widen what a client can make up.
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,

            // Walk back through the chain for as long as each hop is a known proxy (a CDN in front of nginx, say); the
            // first address that is not a known proxy is the client, whatever it wrote further left.
            ForwardLimit = null,
        };

        // The defaults trust loopback as a proxy: only what is configured counts.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (string proxy in proxies)
        {
            IPAddress address = IPAddress.Parse(proxy);
            options.KnownProxies.Add(address);
            if (!address.IsIPv4MappedToIPv6 && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                // A dual-stack listener sees an IPv4 proxy as ::ffff:a.b.c.d.
                options.KnownProxies.Add(address.MapToIPv6());
            }
        }

        foreach (string network in networks)
        {
            System.Net.IPNetwork parsed = System.Net.IPNetwork.Parse(network);
            options.KnownIPNetworks.Add(parsed);
            if (parsed.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                options.KnownIPNetworks.Add(new System.Net.IPNetwork(parsed.BaseAddress.MapToIPv6(), parsed.PrefixLength + 96));
            }
        }

        return options;
    }
}
