namespace Janus.Protocol;

/// <summary>
/// The one rule for topic names, on every transport (TCP, WebSocket, the HTTP publish API, the topic keys of a
/// <c>resume</c>) and so in the cluster, whose channels are named after topics a node has accepted.
/// </summary>
/// <remarks>
/// <para>A topic name is 1 to <c>Janus:Limits:MaxTopicLength</c> UTF-16 code units of Unicode text: any character
/// except the control characters (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F, <see cref="char.IsControl(char)"/>)
/// and lone surrogates. Spaces, punctuation and every other script are allowed, as in the original, whose bot uses
/// short ASCII names. Control characters are refused because nothing legitimate needs them and they do harm where
/// names are shown: a newline or an escape sequence in a name reaches logs, the dashboard and <c>GET /api/topics</c>
/// (where it can forge lines or colour terminals), and a NUL cuts names short in C clients and Redis tools.</para>
/// <para>No normalisation: two names are the same topic only when they are the same code points, compared
/// ordinally, and deliveries carry the name exactly as the publisher wrote it. Normalising (to NFC, say) would make
/// the server rename topics its clients compare byte for byte, and two spellings would share a topic yet be delivered
/// with different names. A client that wants canonical names normalises them itself before sending.</para>
/// </remarks>
public static class TopicNames
{
    /// <summary>Whether <paramref name="name"/> is a valid topic name of at most <paramref name="maxLength"/> characters.</summary>
    public static bool IsValid(ReadOnlySpan<char> name, int maxLength) =>
        name.Length > 0 && name.Length <= maxLength && IsValidText(name);

    /// <summary>Whether <paramref name="name"/> holds no control character and no lone surrogate (any length).</summary>
    public static bool IsValidText(ReadOnlySpan<char> name)
    {
        // Vectorised scans: a subscribe checks its name on the hot path, and almost every name is short ASCII.
        if (name.IndexOfAnyInRange('\u0000', '\u001F') >= 0 || name.IndexOfAnyInRange('\u007F', '\u009F') >= 0)
        {
            return false;
        }

        int surrogate = name.IndexOfAnyInRange('\uD800', '\uDFFF');
        return surrogate < 0 || HasOnlyPairedSurrogates(name[surrogate..]);
    }

    private static bool HasOnlyPairedSurrogates(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
