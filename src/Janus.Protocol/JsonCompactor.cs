namespace Janus.Protocol;

/// <summary>
/// Copies an already validated JSON value without its insignificant whitespace. Strings (and their escapes) are
/// copied byte for byte, so a publisher's <c>data</c> reaches subscribers verbatim, only compact.
/// </summary>
public static class JsonCompactor
{
    /// <summary>Copies <paramref name="json"/> into <paramref name="destination"/> (which must be at least as long) and returns the bytes written.</summary>
    public static int Copy(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        // Fast path: most payloads are already compact, and IndexOfAny is vectorised.
        if (json.IndexOfAny(" \t\r\n"u8) < 0)
        {
            json.CopyTo(destination);
            return json.Length;
        }

        int written = 0;
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            byte b = json[i];
            if (inString)
            {
                destination[written++] = b;
                if (b == (byte)'\\')
                {
                    destination[written++] = json[++i];
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }
            else
            {
                inString = b == (byte)'"';
                destination[written++] = b;
            }
        }

        return written;
    }
}
