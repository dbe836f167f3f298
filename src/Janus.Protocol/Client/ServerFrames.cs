using System.Buffers;

namespace Janus.Protocol.Client;

/// <summary>Splits the server's byte stream into messages on 0x01 (no prefix, no length).</summary>
public static class ServerFrames
{
    /// <summary>
    /// Takes the next complete message (without its 0x01) off the front of <paramref name="buffer"/>; false when no
    /// delimiter is in the buffer yet.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message) =>
        DelimitedFrames.TryRead(ref buffer, WireBytes.ServerDelimiter, out message);
}
