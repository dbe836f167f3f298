using System.Security.Cryptography;
using System.Text;

namespace Janus.Protocol;

/// <summary>The server side of the RFC 6455 opening handshake.</summary>
public static class WebSocketHandshake
{
    /// <summary>The only protocol version RFC 6455 defines.</summary>
    public const string Version = "13";

    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Whether <paramref name="key"/> is a valid <c>Sec-WebSocket-Key</c>: 16 random bytes in base64.</summary>
    public static bool IsValidKey(string? key)
    {
        if (key is null || key.Length != 24)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64String(key, decoded, out int written) && written == 16;
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value for a client's <c>Sec-WebSocket-Key</c>.</summary>
    public static string ComputeAccept(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> input = stackalloc byte[key.Length + Guid.Length];
        int written = Encoding.ASCII.GetBytes(key, input);
        written += Encoding.ASCII.GetBytes(Guid, input[written..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // RFC 6455 mandates SHA-1 here; it is a handshake check, not a security measure.
        SHA1.HashData(input[..written], hash);
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }
}
