using System.Buffers;

namespace Janus.Protocol;

/// <summary>
/// Splits the client byte stream into NUL-terminated frames and tells what each frame is. Framing depends only on the
/// delimiter, never on how TCP split or merged the writes (the original required each 1,460-byte read to start with
/// the prefix, and dropped larger writes).
/// </summary>
public static class ClientFrames
{
    /// <summary>
    /// Takes the next complete frame (without its NUL) off the front of <paramref name="buffer"/>.
    /// Returns false when no delimiter is in the buffer yet.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame) =>
        DelimitedFrames.TryRead(ref buffer, WireBytes.ClientDelimiter, out frame);

    /// <summary>Classifies a frame by its bytes.</summary>
    public static ClientFrameKind Classify(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty)
        {
            return ClientFrameKind.Empty;
        }

        switch (frame[0])
        {
            case (byte)'{':
                return ClientFrameKind.Json;
            case (byte)'<':
                if (frame.SequenceEqual(WireBytes.RegularSocket))
                {
                    return ClientFrameKind.RegularSocketPrefix;
                }

                return frame.SequenceEqual(WireBytes.PolicyFileRequest) ? ClientFrameKind.PolicyFileRequest : ClientFrameKind.Unknown;
            case (byte)'P':
                if (frame.SequenceEqual(WireBytes.Ping))
                {
                    return ClientFrameKind.Ping;
                }

                if (frame.SequenceEqual(WireBytes.Pong))
                {
                    return ClientFrameKind.Pong;
                }

                return frame.SequenceEqual(WireBytes.Publish) ? ClientFrameKind.Publish : ClientFrameKind.Unknown;
            default:
                // JSON may be preceded by whitespace; anything else is garbage.
                ReadOnlySpan<byte> trimmed = frame.TrimStart(" \t\r\n"u8);
                return !trimmed.IsEmpty && trimmed[0] == (byte)'{' ? ClientFrameKind.Json : ClientFrameKind.Unknown;
        }
    }
}
