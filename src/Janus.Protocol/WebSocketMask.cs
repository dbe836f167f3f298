using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Janus.Protocol;

/// <summary>RFC 6455 payload masking: each byte XOR the key byte at its position modulo 4.</summary>
public static class WebSocketMask
{
    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="destination"/> unmasked with <paramref name="maskKey"/>
    /// (wire byte order, as in <see cref="WebSocketFrameHeader.MaskKey"/>). The payload starts at key position 0.
    /// </summary>
    public static void Unmask(in ReadOnlySequence<byte> source, Span<byte> destination, uint maskKey)
    {
        int offset = 0;
        foreach (ReadOnlyMemory<byte> segment in source)
        {
            ReadOnlySpan<byte> span = segment.Span;
            Unmask(span, destination.Slice(offset, span.Length), maskKey, offset);
            offset += span.Length;
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="destination"/> unmasked; <paramref name="position"/> is
    /// where <paramref name="source"/> starts within the payload (for payloads split over buffer segments).
    /// </summary>
    public static void Unmask(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int position)
    {
        // Rotate the key so that its first byte lines up with the first byte of this piece.
        int shift = (position & 3) * 8;
        uint key = shift == 0 ? maskKey : BitOperations.RotateRight(maskKey, shift);
        ulong wide = key | ((ulong)key << 32);
        int i = 0;
        for (; i + 8 <= source.Length; i += 8)
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(source[i..]);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], value ^ wide);
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ (byte)(key >> ((i & 3) * 8)));
        }
    }
}
