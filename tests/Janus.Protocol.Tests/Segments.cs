using System.Buffers;

namespace Janus.Protocol.Tests;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, the shape a pipe hands over after several reads.</summary>
internal static class Segments
{
    /// <summary>A sequence with one segment per part (empty parts included, as a pipe can produce them).</summary>
    public static ReadOnlySequence<byte> Create(params byte[][] parts)
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

    /// <summary>Splits <paramref name="bytes"/> into two segments at <paramref name="at"/>.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int at) => Create(bytes[..at], bytes[at..]);

    /// <summary>One segment per byte: the worst split TCP could produce.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        var parts = new byte[bytes.Length][];
        for (int i = 0; i < bytes.Length; i++)
        {
            parts[i] = [bytes[i]];
        }

        return Create(parts);
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
