using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Janus.Server.Security;

/// <summary>
/// Turns an RFC 7239 <c>Forwarded</c> header into the <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> pair that
/// ASP.NET Core's forwarded-headers middleware reads (it knows only those), so that the middleware's known-proxy walk
/// decides either way. Whatever <c>X-Forwarded-*</c> the request carried is dropped first: with
/// <c>ForwardedHeader: Forwarded</c> the proxy writes only <c>Forwarded</c>, so any other is the client's invention.
/// </summary>
public static class Rfc7239Forwarded
{
    private const string XForwardedFor = "X-Forwarded-For";
    private const string XForwardedProto = "X-Forwarded-Proto";

    /// <summary>Rewrites <paramref name="headers"/> in place.</summary>
    public static void Translate(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.Remove(XForwardedFor);
        headers.Remove(XForwardedProto);
        headers.Remove("X-Forwarded-Host");
        StringValues forwarded = headers["Forwarded"];
        if (StringValues.IsNullOrEmpty(forwarded))
        {
            return;
        }

        var fors = new List<string>();
        var protos = new List<string>();
        bool everyProto = true;
        foreach (string? line in forwarded)
        {
            foreach (string element in SplitOutsideQuotes(line ?? "", ','))
            {
                string? forValue = null;
                string? protoValue = null;
                foreach (string pair in SplitOutsideQuotes(element, ';'))
                {
                    int equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        continue;
                    }

                    string name = pair[..equals].Trim();
                    string value = pair[(equals + 1)..].Trim().Trim('"');
                    if (name.Equals("for", StringComparison.OrdinalIgnoreCase))
                    {
                        forValue = value;
                    }
                    else if (name.Equals("proto", StringComparison.OrdinalIgnoreCase))
                    {
                        protoValue = value;
                    }
                }

                // An element without for= (or for=unknown, or an obfuscated _name) keeps its place: the middleware
                // stops at what it cannot read, which leaves the connection's own address.
                fors.Add(forValue ?? "unknown");
                everyProto &= protoValue is not null;
                protos.Add(protoValue ?? "");
            }
        }

        headers[XForwardedFor] = string.Join(", ", fors);
        if (everyProto)
        {
            headers[XForwardedProto] = string.Join(", ", protos);
        }
    }

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        foreach (char c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (c == separator && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        parts.Add(current.ToString());
        return parts;
    }
}
