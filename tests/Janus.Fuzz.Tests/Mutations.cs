using System.Text;
using CsCheck;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Byte-level mutations in the manner of libFuzzer's (flip a bit, set an interesting byte, insert, delete, duplicate,
/// truncate, splice a token in), applied to structured inputs so that generation reaches both the happy paths and the
/// corners just beside them.
/// </summary>
internal static class Mutations
{
    /// <summary>Bytes that mean something to a JSON reader, a UTF-8 validator or a frame scanner.</summary>
    private static readonly byte[] InterestingBytes =
        [0x00, (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)'\\', (byte)':', (byte)',', (byte)' ', (byte)'\n', (byte)'u', (byte)'0', (byte)'-', (byte)'e', 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xF8, 0xFE, 0xFF];

    /// <summary>Tokens worth splicing in whole.</summary>
    private static readonly byte[][] InterestingTokens =
        new[]
        {
            "\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u00e9", "\\", "\"", "\":\"", "{", "}", "[", "]", "null", "true", "1e999", "-0", "01",
            "\"action\":", "\"topic\":", "\"data\":", "\"subscribe\"", "\"publish\"", "PUBLISH", "PING", "<regular-socket/>", "\u00e9", "\U0001F600",
            new string('[', 70), new string(']', 70),
        }.Select(Encoding.UTF8.GetBytes).Concat([[0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]).ToArray();

    /// <summary>One mutation: its kind and where/what, the positions taken modulo the input's length.</summary>
    private static readonly Gen<(int Kind, int At, int Count, int Pick)> Mutation =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, int.MaxValue], Gen.Int[1, 16], Gen.Int[0, int.MaxValue]);

    /// <summary><paramref name="inputs"/>, each with zero to <paramref name="maxMutations"/> mutations applied.</summary>
    public static Gen<byte[]> Mutate(Gen<byte[]> inputs, int maxMutations = 4) =>
        Gen.Select(inputs, Mutation.Array[0, maxMutations], (input, mutations) =>
        {
            byte[] bytes = input;
            foreach ((int kind, int at, int count, int pick) in mutations)
            {
                bytes = Apply(bytes, kind, at, count, pick);
            }

            return bytes;
        });

    private static byte[] Apply(byte[] bytes, int kind, int at, int count, int pick)
    {
        int position = bytes.Length == 0 ? 0 : at % (bytes.Length + 1);
        int inside = bytes.Length == 0 ? -1 : at % bytes.Length;
        switch (kind)
        {
            case 0 when inside >= 0:
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[inside] ^= (byte)(1 << (pick & 7));
                return copy;
            }

            case 1 when inside >= 0:
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[inside] = InterestingBytes[pick % InterestingBytes.Length];
                return copy;
            }

            case 2:
                return [.. bytes.AsSpan(0, position), (byte)pick, .. bytes.AsSpan(position)];
            case 3 when inside >= 0:
            {
                int length = Math.Min(count, bytes.Length - inside);
                return [.. bytes.AsSpan(0, inside), .. bytes.AsSpan(inside + length)];
            }

            case 4 when inside >= 0:
            {
                int length = Math.Min(count, bytes.Length - inside);
                return [.. bytes.AsSpan(0, inside + length), .. bytes.AsSpan(inside, length), .. bytes.AsSpan(inside + length)];
            }

            case 5:
                return bytes[..position];
            default:
                return [.. bytes.AsSpan(0, position), .. InterestingTokens[pick % InterestingTokens.Length], .. bytes.AsSpan(position)];
        }
    }
}
