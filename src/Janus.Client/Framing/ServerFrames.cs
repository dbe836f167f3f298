using System.Buffers;
using Janus.Protocol;

namespace Janus.Client.Framing;

/// <summary>Splits the server's byte stream into messages on 0x01 (no prefix, no length).</summary>
internal static class ServerFrames
{
    /// <summary>
    /// Takes the next complete message (without its 0x01) off the front of <paramref name="buffer"/>; false when no
    /// delimiter is in the buffer yet. The common case, a buffer in one segment, is one vectorised
    /// <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/>.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        if (buffer.IsSingleSegment)
        {
            int index = buffer.FirstSpan.IndexOf(WireBytes.ServerDelimiter);
            if (index < 0)
            {
                message = default;
                return false;
            }

            message = buffer.Slice(0, index);
            buffer = buffer.Slice(index + 1);
            return true;
        }

        SequencePosition? position = buffer.PositionOf(WireBytes.ServerDelimiter);
        if (position is null)
        {
            message = default;
            return false;
        }

        message = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }
}
