using System.Buffers;

namespace Janus.Protocol;

/// <summary>
/// Splits a byte stream on a one-byte delimiter: NUL (0x00) after each client frame, 0x01 after each server message.
/// The one splitter both directions use: the server reads client frames with it (<see cref="ClientFrames"/>), the
/// client reads server messages with it (<see cref="Client.ServerFrames"/>).
/// </summary>
public static class DelimitedFrames
{
    /// <summary>
    /// Takes the next complete frame (without its delimiter) off the front of <paramref name="buffer"/>; false when no
    /// delimiter is in the buffer yet. The common case, a buffer in one segment, is one vectorised
    /// <see cref="MemoryExtensions.IndexOf{T}(ReadOnlySpan{T}, T)"/>.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, byte delimiter, out ReadOnlySequence<byte> frame)
    {
        if (buffer.IsSingleSegment)
        {
            int index = buffer.FirstSpan.IndexOf(delimiter);
            if (index < 0)
            {
                frame = default;
                return false;
            }

            frame = buffer.Slice(0, index);
            buffer = buffer.Slice(index + 1);
            return true;
        }

        SequencePosition? position = buffer.PositionOf(delimiter);
        if (position is null)
        {
            frame = default;
            return false;
        }

        frame = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    /// <summary>
    /// The same over one contiguous buffer (a caller that receives into its own memory, as janus-bot does): the frame
    /// at the start of <paramref name="data"/> without its delimiter, and how many bytes it takes with it; false when
    /// no delimiter is in <paramref name="data"/> yet.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, byte delimiter, out ReadOnlySpan<byte> frame, out int consumed)
    {
        int index = data.IndexOf(delimiter);
        if (index < 0)
        {
            frame = default;
            consumed = 0;
            return false;
        }

        frame = data[..index];
        consumed = index + 1;
        return true;
    }
}
