using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// The head of an HTTP/1.1 request as <see cref="WebSocketUpgradeMiddleware"/> reads it: only the plainest form of a
/// WebSocket upgrade of <c>/ws</c> is accepted here, and anything else is left to Kestrel's parser.
/// </summary>
/// <remarks>
/// Strict on purpose: a request this parser takes must be one Kestrel would take the same way, so it refuses (and the
/// request falls back to Kestrel, which answers it exactly as before) anything it need not understand: another
/// method, path or version, an absolute or encoded target, a header that is folded, empty-named, not visible ASCII
/// or repeated where it must not be, a body (<c>Content-Length</c>, <c>Transfer-Encoding</c>), a missing or odd
/// <c>Host</c>, a <c>Connection</c> without <c>upgrade</c>, bare line feeds, more headers than Kestrel allows.
/// </remarks>
internal sealed class UpgradeRequestHead
{
    private static readonly SearchValues<char> NameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
    private static readonly SearchValues<char> Ipv6Chars = SearchValues.Create("0123456789abcdefABCDEF:.");

    private UpgradeRequestHead(string target, string queryString, HeaderDictionary headers)
    {
        Target = target;
        QueryString = queryString;
        Headers = headers;
    }

    /// <summary>The request target as sent (<c>/ws</c> with its query, if any).</summary>
    public string Target { get; }

    /// <summary>The query string with its <c>?</c>, or empty.</summary>
    public string QueryString { get; }

    /// <summary>The headers, repeated ones combined as Kestrel combines them.</summary>
    public HeaderDictionary Headers { get; }

    /// <summary>
    /// Parses <paramref name="head"/> (the request line and headers, up to and including the empty line); null when it
    /// is not a plain upgrade of <paramref name="path"/> this class takes.
    /// </summary>
    public static UpgradeRequestHead? TryParse(in ReadOnlySequence<byte> head, string path, in UpgradeHeadLimits limits)
    {
        int length = (int)head.Length;
        byte[]? rented = null;
        Span<byte> bytes = length <= 2048 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            head.CopyTo(bytes);
            return Parse(bytes, path, limits);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static UpgradeRequestHead? Parse(ReadOnlySpan<byte> bytes, string path, in UpgradeHeadLimits limits)
    {
        // Kestrel's limits, each on its own part: past either, Kestrel answers 414 or 431 itself.
        int lineEnd = bytes.IndexOf("\r\n"u8);
        if (lineEnd < 0 || lineEnd + 2 > limits.MaxRequestLineBytes || !TryParseRequestLine(bytes[..lineEnd], path, out string? target, out string? query))
        {
            return null;
        }

        bytes = bytes[(lineEnd + 2)..];
        if (bytes.Length > limits.MaxHeaderBytes)
        {
            return null;
        }

        int maxHeaders = limits.MaxHeaders;
        var headers = new HeaderDictionary();
        int count = 0;
        bool upgrade = false;
        while (true)
        {
            lineEnd = bytes.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return null;
            }

            if (lineEnd == 0)
            {
                break;
            }

            if (++count > maxHeaders || !TryParseHeader(bytes[..lineEnd], out string? name, out string? value))
            {
                return null;
            }

            if (headers.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues existing))
            {
                if (IsSingleton(name))
                {
                    return null;
                }

                headers[name] = Microsoft.Extensions.Primitives.StringValues.Concat(existing, value);
            }
            else
            {
                headers[name] = value;
            }

            upgrade |= name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase) && HasUpgradeToken(value);
            bytes = bytes[(lineEnd + 2)..];
        }

        // Kestrel refuses a body on an upgrade and a request without a Host; both are its to answer.
        if (!upgrade || !IsPlainHost(((IHeaderDictionary)headers).Host) || headers.ContainsKey(HeaderNames.ContentLength) || headers.ContainsKey(HeaderNames.TransferEncoding))
        {
            return null;
        }

        return new UpgradeRequestHead(target, query, headers);
    }

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? target, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? query)
    {
        target = null;
        query = null;
        if (!line.StartsWith("GET /"u8) || !line.EndsWith(" HTTP/1.1"u8))
        {
            return false;
        }

        ReadOnlySpan<byte> raw = line[4..^9];
        foreach (byte b in raw)
        {
            // Visible ASCII only: no space (a malformed line), no fragment, nothing Kestrel would reject or decode.
            if (b <= 0x20 || b >= 0x7F || b == (byte)'#')
            {
                return false;
            }
        }

        int question = raw.IndexOf((byte)'?');
        ReadOnlySpan<byte> rawPath = question < 0 ? raw : raw[..question];
        if (rawPath.Length != path.Length || !Ascii.Equals(rawPath, path))
        {
            return false;
        }

        target = Encoding.ASCII.GetString(raw);
        query = question < 0 ? string.Empty : target[question..];
        return true;
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        name = null;
        value = null;
        int colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return false;
        }

        foreach (byte b in line[..colon])
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        ReadOnlySpan<byte> raw = line[(colon + 1)..].Trim(" \t"u8);
        foreach (byte b in raw)
        {
            if ((b < 0x20 && b != (byte)'\t') || b >= 0x7F)
            {
                return false;
            }
        }

        name = Encoding.ASCII.GetString(line[..colon]);
        value = Encoding.ASCII.GetString(raw);
        return true;
    }

    // A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port: what Kestrel certainly accepts
    // (it judges anything rarer itself).
    private static bool IsPlainHost(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        ReadOnlySpan<char> rest = host;
        if (rest[0] == '[')
        {
            int close = rest.IndexOf(']');
            if (close < 2 || rest[1..close].ContainsAnyExcept(Ipv6Chars))
            {
                return false;
            }

            rest = rest[(close + 1)..];
        }
        else
        {
            int name = rest.IndexOfAnyExcept(NameChars);
            if (name == 0)
            {
                return false;
            }

            rest = name < 0 ? [] : rest[name..];
        }

        // Then nothing, or a port.
        return rest.IsEmpty || (rest.Length is >= 2 and <= 6 && rest[0] == ':' && !rest[1..].ContainsAnyExceptInRange('0', '9'));
    }

    // RFC 9110 tchar.
    private static bool IsTokenChar(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~"u8.Contains(b);

    // Headers that may come once: Kestrel refuses a second Host, and these are judged as single values.
    private static bool IsSingleton(string name) =>
        name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.SecWebSocketKey, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.SecWebSocketVersion, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Origin, StringComparison.OrdinalIgnoreCase);

    private static bool HasUpgradeToken(string value)
    {
        foreach (Range part in value.AsSpan().Split(','))
        {
            if (value.AsSpan()[part].Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
