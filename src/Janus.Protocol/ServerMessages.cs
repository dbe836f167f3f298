using System.Security.Cryptography;
using System.Text;

namespace Janus.Protocol;

/// <summary>Encoders for the server's per-connection messages and decoders a client needs for them.</summary>
public static class ServerMessages
{
    /// <summary>The length of a session token: 32 lowercase hex characters.</summary>
    public const int TokenLength = 32;

    // Tokens are drawn from a per-thread block of CSPRNG output: one RandomNumberGenerator call (an OpenSSL call and a
    // getpid) per 256 tokens instead of per connection, which showed in the profile of a 19,000-client connect burst.
    private const int RandomBlockBytes = 4096;

    [ThreadStatic]
    private static byte[]? t_randomBlock;

    [ThreadStatic]
    private static int t_randomOffset;

    /// <summary>A fresh session token: 128 bits from the system CSPRNG as 32 lowercase hex characters.</summary>
    public static string NewToken()
    {
        byte[]? block = t_randomBlock;
        int offset = t_randomOffset;
        if (block is null || offset + (TokenLength / 2) > block.Length)
        {
            block = t_randomBlock ??= new byte[RandomBlockBytes];
            RandomNumberGenerator.Fill(block);
            offset = 0;
        }

        Span<byte> random = block.AsSpan(offset, TokenLength / 2);
        string token = Convert.ToHexStringLower(random);

        // Never hand out the same bytes twice, nor leave them lying in the block.
        random.Clear();
        t_randomOffset = offset + (TokenLength / 2);
        return token;
    }

    /// <summary>The greeting JSON, <c>{"timestamp":[M,S,U],"token":"…"}</c>, without framing.</summary>
    public static byte[] EncodeGreeting(ErlangTimestamp timestamp, string token)
    {
        // The token is our own hex string: nothing in it needs escaping.
        Span<byte> ts = stackalloc byte[ErlangTimestamp.MaxFormattedLength];
        timestamp.TryFormat(ts, out int written);
        byte[] result = new byte[13 + written + 10 + token.Length + 2];
        int pos = 0;
        "{\"timestamp\":"u8.CopyTo(result);
        pos += 13;
        ts[..written].CopyTo(result.AsSpan(pos));
        pos += written;
        ",\"token\":\""u8.CopyTo(result.AsSpan(pos));
        pos += 10;
        pos += Encoding.ASCII.GetBytes(token, result.AsSpan(pos));
        result[pos++] = (byte)'"';
        result[pos] = (byte)'}';
        return result;
    }

    /// <summary>
    /// Reads the timestamp of a message whose first key is <c>timestamp</c> (a delivery or the greeting) without
    /// parsing the rest: the bot calls this once per received message.
    /// </summary>
    public static bool TryReadLeadingTimestamp(ReadOnlySpan<byte> message, out ErlangTimestamp timestamp)
    {
        ReadOnlySpan<byte> key = "{\"timestamp\":"u8;
        if (message.StartsWith(key))
        {
            return ErlangTimestamp.TryParse(message[key.Length..], out timestamp, out _);
        }

        // Tolerate whitespace from other servers' encoders.
        int index = message.IndexOf("\"timestamp\""u8);
        if (index < 0)
        {
            timestamp = default;
            return false;
        }

        ReadOnlySpan<byte> rest = message[(index + 11)..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':')
        {
            timestamp = default;
            return false;
        }

        return ErlangTimestamp.TryParse(rest[1..], out timestamp, out _);
    }
}
