using System.Net;
using Janus.Server.Options;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>The networks whose clients may publish without a key (<see cref="SecurityOptions.TrustedNetworks"/>).</summary>
public sealed class TrustedNetworks
{
    private readonly IPNetwork[] _networks;

    /// <summary>Reads the configured list.</summary>
    public TrustedNetworks(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] parts = Split(options.Value.Security.TrustedNetworks);
        _networks = new IPNetwork[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            _networks[i] = IPNetwork.Parse(parts[i]);
        }
    }

    /// <summary>Splits the comma-separated setting; an empty setting is an empty list.</summary>
    public static string[] Split(string? setting) =>
        string.IsNullOrWhiteSpace(setting) ? [] : setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether a caller at <paramref name="endPoint"/> is trusted.</summary>
    public bool IsTrusted(EndPoint? endPoint) => endPoint is IPEndPoint ip && IsTrusted(ip.Address);

    /// <summary>Whether <paramref name="address"/> is in a trusted network (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    public bool IsTrusted(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
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
