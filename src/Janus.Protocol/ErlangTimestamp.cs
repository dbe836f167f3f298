using System.Buffers.Text;

namespace Janus.Protocol;

/// <summary>
/// Wall-clock time split the way Erlang's <c>now()</c> splits it: unix seconds = <see cref="MegaSeconds"/> × 10⁶ +
/// <see cref="Seconds"/>, plus <see cref="Microseconds"/>. On the wire it is the JSON array <c>[Mega,Secs,Micro]</c>.
/// </summary>
public readonly record struct ErlangTimestamp(long MegaSeconds, int Seconds, int Microseconds)
{
    /// <summary>The longest text <see cref="TryFormat"/> writes: brackets, two commas and three numbers.</summary>
    public const int MaxFormattedLength = 2 + 2 + 20 + 6 + 6;

    /// <summary>Builds a timestamp from microseconds since the unix epoch.</summary>
    public static ErlangTimestamp FromUnixMicroseconds(long unixMicroseconds)
    {
        long seconds = Math.DivRem(unixMicroseconds, 1_000_000, out long micros);
        long mega = Math.DivRem(seconds, 1_000_000, out long secs);
        return new ErlangTimestamp(mega, (int)secs, (int)micros);
    }

    /// <summary>Builds a timestamp from a point in time.</summary>
    public static ErlangTimestamp FromDateTimeOffset(DateTimeOffset time) =>
        FromUnixMicroseconds((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);

    /// <summary>Microseconds since the unix epoch.</summary>
    public long ToUnixMicroseconds() => ((MegaSeconds * 1_000_000) + Seconds) * 1_000_000 + Microseconds;

    /// <summary>The point in time this timestamp names.</summary>
    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.UnixEpoch.AddTicks(ToUnixMicroseconds() * 10);

    /// <summary>Writes <c>[Mega,Secs,Micro]</c>.</summary>
    public bool TryFormat(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < 7)
        {
            return false;
        }

        destination[0] = (byte)'[';
        int pos = 1;
        if (!Utf8Formatter.TryFormat(MegaSeconds, destination[pos..], out int n))
        {
            return false;
        }

        pos += n;
        if (pos >= destination.Length)
        {
            return false;
        }

        destination[pos++] = (byte)',';
        if (!Utf8Formatter.TryFormat(Seconds, destination[pos..], out n))
        {
            return false;
        }

        pos += n;
        if (pos >= destination.Length)
        {
            return false;
        }

        destination[pos++] = (byte)',';
        if (!Utf8Formatter.TryFormat(Microseconds, destination[pos..], out n))
        {
            return false;
        }

        pos += n;
        if (pos >= destination.Length)
        {
            return false;
        }

        destination[pos++] = (byte)']';
        written = pos;
        return true;
    }

    /// <summary>
    /// Reads <c>[Mega,Secs,Micro]</c> at the start of <paramref name="source"/> (spaces allowed around the numbers).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out ErlangTimestamp value, out int consumed)
    {
        value = default;
        consumed = 0;
        int pos = SkipSpaces(source, 0);
        if (pos >= source.Length || source[pos] != (byte)'[')
        {
            return false;
        }

        pos++;
        Span<long> parts = stackalloc long[3];
        for (int i = 0; i < 3; i++)
        {
            pos = SkipSpaces(source, pos);
            if (!Utf8Parser.TryParse(source[pos..], out long part, out int n) || part < 0)
            {
                return false;
            }

            parts[i] = part;
            pos = SkipSpaces(source, pos + n);
            byte expected = i < 2 ? (byte)',' : (byte)']';
            if (pos >= source.Length || source[pos] != expected)
            {
                return false;
            }

            pos++;
        }

        if (parts[1] >= 1_000_000 || parts[2] >= 1_000_000)
        {
            return false;
        }

        value = new ErlangTimestamp(parts[0], (int)parts[1], (int)parts[2]);
        consumed = pos;
        return true;
    }

    private static int SkipSpaces(ReadOnlySpan<byte> s, int pos)
    {
        while (pos < s.Length && s[pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            pos++;
        }

        return pos;
    }

    /// <inheritdoc />
    public override string ToString() => $"[{MegaSeconds},{Seconds},{Microseconds}]";
}
