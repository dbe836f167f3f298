using System.Buffers.Binary;

namespace Janus.Protocol;

/// <summary>
/// The server side of RFC 6455 framing for outgoing text frames: unmasked, FIN set, one message per frame. The header
/// depends only on the payload length, so a message encoded once can carry its header in front for every WebSocket
/// subscriber.
/// </summary>
public static class WebSocketFraming
{
    /// <summary>The longest header of an unmasked server frame.</summary>
    public const int MaxHeaderLength = 10;

    /// <summary>The header length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int HeaderLength(long payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes the header of a final text frame and returns its length.</summary>
    public static int WriteTextHeader(Span<byte> destination, long payloadLength) => WriteHeader(destination, 0x1, payloadLength);

    /// <summary>Writes the header of a final frame with the given opcode and returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, byte opcode, long payloadLength)
    {
        destination[0] = (byte)(0x80 | opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }

        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }
}
