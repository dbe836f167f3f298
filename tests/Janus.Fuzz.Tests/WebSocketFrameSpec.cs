using System.Buffers.Binary;
using CsCheck;

namespace Janus.Fuzz.Tests;

/// <summary>
/// One RFC 6455 frame as a client could write it, every field free: FIN, the three reserved bits, any of the 16
/// opcodes, mask bit and key, and the payload length in any of its three encodings, minimal or not, possibly
/// declaring more than the payload that follows (up to 2^64-1).
/// </summary>
internal sealed record WebSocketFrameSpec(bool Fin, int Reserved, int Opcode, bool Masked, uint MaskKey, int LengthCode, ulong DeclaredLength, byte[] Payload)
{
    /// <summary>The generator: mostly well-formed frames whose declared length is the payload's, some lying about it.</summary>
    public static readonly Gen<WebSocketFrameSpec> Gen = CsCheck.Gen.Select(
        CsCheck.Gen.Bool,
        CsCheck.Gen.Frequency((6, CsCheck.Gen.Const(0)), (1, CsCheck.Gen.Int[0, 7])),
        CsCheck.Gen.Frequency((6, CsCheck.Gen.OneOf(0, 1, 2, 8, 9, 10)), (1, CsCheck.Gen.Int[0, 15])),
        CsCheck.Gen.Frequency((6, CsCheck.Gen.Const(true)), (1, CsCheck.Gen.Const(false))),
        CsCheck.Gen.UInt,
        CsCheck.Gen.Frequency(
            (12, CsCheck.Gen.Byte.Array[0, 140]),
            (2, CsCheck.Gen.Int[120, 130].Select(n => new byte[n])),
            (1, CsCheck.Gen.Int[65534, 65537].Select(n => new byte[n]))),
        CsCheck.Gen.Frequency((8, CsCheck.Gen.Const(-1)), (1, CsCheck.Gen.Int[0, 2])),
        CsCheck.Gen.Frequency((8, CsCheck.Gen.Const((ulong?)null)), (1, CsCheck.Gen.ULong.Select(v => (ulong?)v)), (1, CsCheck.Gen.OneOf<ulong?>(125, 126, 65535, 65536, (ulong)long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue))),
        (fin, reserved, opcode, masked, key, payload, encoding, declared) =>
        {
            ulong length = declared ?? (ulong)payload.Length;
            int minimal = length <= 125 ? 0 : length <= ushort.MaxValue ? 1 : 2;
            int code = Math.Max(minimal, encoding < 0 ? minimal : encoding);
            return new WebSocketFrameSpec(fin, reserved, opcode, masked, masked ? key : 0, code, length, payload);
        });

    /// <summary>The header's length on the wire.</summary>
    public int HeaderLength => 2 + (LengthCode == 1 ? 2 : LengthCode == 2 ? 8 : 0) + (Masked ? 4 : 0);

    /// <summary>Whether the frame carries exactly the payload it declares.</summary>
    public bool IsWhole => DeclaredLength == (ulong)Payload.Length;

    /// <summary>The frame's bytes: header, then the payload masked with the key.</summary>
    public byte[] Encode()
    {
        byte[] bytes = new byte[HeaderLength + Payload.Length];
        bytes[0] = (byte)((Fin ? 0x80 : 0) | (Reserved << 4) | Opcode);
        int at = 2;
        switch (LengthCode)
        {
            case 0:
                bytes[1] = (byte)DeclaredLength;
                break;
            case 1:
                bytes[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)DeclaredLength);
                at = 4;
                break;
            default:
                bytes[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(2), DeclaredLength);
                at = 10;
                break;
        }

        if (Masked)
        {
            bytes[1] |= 0x80;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), MaskKey);
            at += 4;
        }

        for (int i = 0; i < Payload.Length; i++)
        {
            bytes[at + i] = (byte)(Payload[i] ^ (byte)(MaskKey >> (8 * (i & 3))));
        }

        return bytes;
    }

    public override string ToString() =>
        $"fin={Fin} rsv={Reserved} opcode={Opcode} masked={Masked} key={MaskKey:x8} code={LengthCode} declared={DeclaredLength} payload={Payload.Length} B";
}
