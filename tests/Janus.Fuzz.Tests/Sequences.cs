using System.Buffers;
using CsCheck;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Multi-segment <see cref="ReadOnlySequence{T}"/>s cut at arbitrary points (empty segments included), the shapes a
/// pipe hands over after reads TCP split and merged however it liked.
/// </summary>
internal static class Sequences
{
    /// <summary>The longest input split one byte per segment; longer ones get 64 segments instead.</summary>
    public const int OneBytePerSegmentMax = 2048;

    /// <summary>Cut points as fractions of the input (0..1000 per mille), so they shrink independently of its length.</summary>
    public static readonly Gen<int[]> Cuts = Gen.Frequency(
        (4, Gen.Int[0, 1000].Array[0, 6]),
        (1, Gen.Int[0, 1000].Array[0, 40]),
        (1, Gen.Const(new[] { -1 }))); // -1: one byte per segment, the worst split

    /// <summary><paramref name="bytes"/> cut into segments at <paramref name="cuts"/> (per mille of the length).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int[] cuts)
    {
        // One segment per byte for short inputs only: beyond that it measures the allocator, not the scanner.
        if (cuts is [-1] && bytes.Length <= OneBytePerSegmentMax)
        {
            return Create(bytes.Select(b => new[] { b }).ToArray());
        }

        if (cuts is [-1])
        {
            cuts = Enumerable.Range(1, 63).Select(i => i * 1000 / 64).ToArray();
        }

        int[] points = cuts.Select(c => (int)((long)c * bytes.Length / 1000)).Order().ToArray();
        var parts = new byte[points.Length + 1][];
        int start = 0;
        for (int i = 0; i < points.Length; i++)
        {
            parts[i] = bytes[start..points[i]];
            start = points[i];
        }

        parts[^1] = bytes[start..];
        return Create(parts);
    }

    private static ReadOnlySequence<byte> Create(byte[][] parts)
    {
        if (parts.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(parts[0], 0);
        Segment last = first;
        for (int i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
