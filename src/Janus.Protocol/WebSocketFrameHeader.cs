using System.Buffers;
using System.Buffers.Binary;

namespace Janus.Protocol;

/// <summary>
/// The header of one incoming RFC 6455 frame, decoded without judging it: the caller decides what is allowed
/// (a server requires <see cref="Masked"/>, zero <see cref="Reserved"/> bits, short final control frames).
/// </summary>
public readonly struct WebSocketFrameHeader
{
    /// <summary>The longest header: 2 bytes, an 8-byte extended length and a 4-byte mask key.</summary>
    public const int MaxLength = 14;

    private WebSocketFrameHeader(bool fin, byte reserved, byte opcode, bool masked, ulong payloadLength, uint maskKey, int length)
    {
        Fin = fin;
        Reserved = reserved;
        Opcode = opcode;
        Masked = masked;
        PayloadLength = payloadLength;
        MaskKey = maskKey;
        Length = length;
    }

    /// <summary>Whether this is the last frame of its message.</summary>
    public bool Fin { get; }

    /// <summary>The RSV1–RSV3 bits (0 unless an extension was negotiated; Janus negotiates none).</summary>
    public byte Reserved { get; }

    /// <summary>The opcode (<see cref="WebSocketOpcode"/>).</summary>
    public byte Opcode { get; }

    /// <summary>Whether the payload is masked (every client frame must be).</summary>
    public bool Masked { get; }

    /// <summary>The payload length the frame declares (may be anything up to 2^64-1: check it before waiting for it).</summary>
    public ulong PayloadLength { get; }

    /// <summary>The masking key, in wire byte order (first key byte in the lowest byte).</summary>
    public uint MaskKey { get; }

    /// <summary>The length of the header itself.</summary>
    public int Length { get; }

    /// <summary>
    /// Decodes the header at the start of <paramref name="buffer"/>; false if fewer bytes than the header needs have
    /// arrived (never more than <see cref="MaxLength"/> are needed).
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out WebSocketFrameHeader header)
    {
        header = default;
        if (buffer.Length < 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[MaxLength];
        int available = (int)Math.Min(buffer.Length, MaxLength);
        buffer.Slice(0, available).CopyTo(bytes);
        return TryRead(bytes[..available], out header);
    }

    /// <summary>Decodes the header at the start of <paramref name="bytes"/>; false if it is not complete yet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out WebSocketFrameHeader header)
    {
        header = default;
        if (bytes.Length < 2)
        {
            return false;
        }

        byte first = bytes[0];
        byte second = bytes[1];
        bool masked = (second & 0x80) != 0;
        int lengthCode = second & 0x7F;
        int length = 2 + (lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (bytes.Length < length)
        {
            return false;
        }

        ulong payloadLength = lengthCode switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            127 => BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]),
            _ => (ulong)lengthCode,
        };
        uint maskKey = masked ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[(length - 4)..]) : 0;
        header = new WebSocketFrameHeader((first & 0x80) != 0, (byte)((first >> 4) & 0x7), (byte)(first & 0x0F), masked, payloadLength, maskKey, length);
        return true;
    }
}
