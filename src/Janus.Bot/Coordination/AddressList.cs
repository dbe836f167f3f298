using System.Net;
using System.Net.Sockets;

namespace Janus.Bot.Coordination;

/// <summary>Parses the address options: <c>--sources 127.0.0.1-127.0.0.4,127.0.0.9</c>, <c>--hosts a:1,b:2</c>.</summary>
internal static class AddressList
{
    /// <summary>Expands ranges (<c>first-last</c>, IPv4) and commas into addresses.</summary>
    public static IReadOnlyList<IPAddress> ParseSources(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = new List<IPAddress>();
        foreach (string item in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int dash = item.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                result.Add(ParseV4(item));
                continue;
            }

            uint first = ToNumber(ParseV4(item[..dash]));
            uint last = ToNumber(ParseV4(item[(dash + 1)..]));
            if (last < first || last - first > 1024)
            {
                throw new FormatException($"'{item}' is not a range of at most 1,024 addresses.");
            }

            for (uint n = first; n <= last; n++)
            {
                result.Add(FromNumber(n));
            }
        }

        return result;
    }

    /// <summary><c>host:port</c> items (comma-separated allowed), resolved to IPv4 endpoints.</summary>
    public static IReadOnlyList<IPEndPoint> ParseHosts(IEnumerable<string> items, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = new List<IPEndPoint>();
        foreach (string item in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            result.Add(ParseHost(item, defaultPort));
        }

        return result;
    }

    public static IPEndPoint ParseHost(string item, int defaultPort)
    {
        ArgumentNullException.ThrowIfNull(item);
        string host = item;
        int port = defaultPort;
        int colon = item.LastIndexOf(':');
        if (colon >= 0)
        {
            host = item[..colon];
            port = int.Parse(item[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return new IPEndPoint(ParseV4(address.ToString()), port);
        }

        IPAddress? v4 = Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new FormatException($"'{host}' has no IPv4 address; the bot speaks IPv4 only.");
        return new IPEndPoint(v4, port);
    }

    private static IPAddress ParseV4(string text)
    {
        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new FormatException($"'{text}' is not an IPv4 address.");
        }

        return address;
    }

    private static uint ToNumber(IPAddress address)
    {
        byte[] b = address.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static IPAddress FromNumber(uint n) => new([(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
}
