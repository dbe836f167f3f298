using System.Buffers.Binary;
using Janus.Protocol;

namespace Janus.Server.Cluster;

/// <summary>
/// A publish as it travels between nodes through Redis. One compact binary payload per publish, built once by the
/// node that accepted it (integers little-endian):
/// <code>
/// offset   size  field
/// 0        1     format version, 1
/// 1        1     N, the length of the origin's node id (1–64)
/// 2        N     origin node id, ASCII
/// 2+N      8     origin instance: random per process, so a node knows its own messages even if an operator
///                gave two processes the same node id
/// 10+N     8     origin timestamp: microseconds since the unix epoch, int64
/// 18+N     rest  the encoded delivery body: everything after the timestamp, <c>"topic":…,"data":…}</c>
/// </code>
/// The body is the very bytes the origin's own subscribers get, so a receiving node copies it into a pooled message
/// and fans it out without parsing any JSON; the topic comes from the channel it arrived on.
/// </summary>
internal readonly ref struct ClusterMessage
{
    /// <summary>The format version this node writes and reads.</summary>
    public const byte FormatVersion = 1;

    private const int HeaderLength = 2;
    private const int InstanceLength = 8;
    private const int TimestampLength = 8;

    private ClusterMessage(ReadOnlySpan<byte> originNodeId, ulong originInstance, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
    {
        OriginNodeId = originNodeId;
        OriginInstance = originInstance;
        Timestamp = timestamp;
        Body = body;
    }

    /// <summary>The node that accepted the publish (ASCII).</summary>
    public ReadOnlySpan<byte> OriginNodeId { get; }

    /// <summary>The process that accepted the publish.</summary>
    public ulong OriginInstance { get; }

    /// <summary>When the origin stamped the publish; every subscriber on every node sees this time.</summary>
    public ErlangTimestamp Timestamp { get; }

    /// <summary>The encoded delivery body.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>Builds the payload for one publish.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> originNodeId, ulong originInstance, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
    {
        if (originNodeId.IsEmpty || originNodeId.Length > byte.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(originNodeId), "A node id is 1 to 255 bytes.");
        }

        byte[] payload = new byte[HeaderLength + originNodeId.Length + InstanceLength + TimestampLength + body.Length];
        Span<byte> span = payload;
        span[0] = FormatVersion;
        span[1] = (byte)originNodeId.Length;
        originNodeId.CopyTo(span[HeaderLength..]);
        int pos = HeaderLength + originNodeId.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(span[pos..], originInstance);
        pos += InstanceLength;
        BinaryPrimitives.WriteInt64LittleEndian(span[pos..], timestamp.ToUnixMicroseconds());
        body.CopyTo(span[(pos + TimestampLength)..]);
        return payload;
    }

    /// <summary>The format version of a publish positioned by Redis (a topic with history): written by the publish script.</summary>
    public const byte PositionedFormatVersion = 2;

    /// <summary>
    /// Reads the header of a positioned payload (format version 2), which Redis's publish script writes:
    /// <c>0x02</c>, the offset in ASCII decimal, <c>:</c>, the epoch (1–32 ASCII letters or digits), <c>:</c>, then a
    /// format-1 payload. False if <paramref name="payload"/> is not one.
    /// </summary>
    public static bool TryReadPositioned(ReadOnlySpan<byte> payload, out long offset, out string epoch, out ReadOnlySpan<byte> inner)
    {
        offset = 0;
        epoch = "";
        inner = default;
        if (payload.Length < 5 || payload[0] != PositionedFormatVersion)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = payload[1..];
        int colon = rest.IndexOf((byte)':');
        if (colon <= 0 || colon > 18 || !System.Buffers.Text.Utf8Parser.TryParse(rest[..colon], out offset, out int consumed) || consumed != colon || offset <= 0)
        {
            return false;
        }

        rest = rest[(colon + 1)..];
        colon = rest.IndexOf((byte)':');
        if (colon <= 0 || colon > 32)
        {
            return false;
        }

        foreach (byte b in rest[..colon])
        {
            if (!char.IsAsciiLetterOrDigit((char)b))
            {
                return false;
            }
        }

        epoch = System.Text.Encoding.ASCII.GetString(rest[..colon]);
        inner = rest[(colon + 1)..];
        return true;
    }

    /// <summary>
    /// Reads a payload. False if it is not one this node understands, or if its body could break a client's
    /// framing (empty, not ending in <c>}</c>, or holding the 0x01 message delimiter).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out ClusterMessage message)
    {
        message = default;
        if (payload.Length < HeaderLength || payload[0] != FormatVersion)
        {
            return false;
        }

        int idLength = payload[1];
        int instanceStart = HeaderLength + idLength;
        int bodyStart = instanceStart + InstanceLength + TimestampLength;
        if (idLength == 0 || payload.Length <= bodyStart)
        {
            return false;
        }

        ulong instance = BinaryPrimitives.ReadUInt64LittleEndian(payload[instanceStart..]);
        long micros = BinaryPrimitives.ReadInt64LittleEndian(payload[(instanceStart + InstanceLength)..]);
        ReadOnlySpan<byte> body = payload[bodyStart..];
        if (micros < 0 || body[^1] != (byte)'}' || body.Contains(WireBytes.ServerDelimiter))
        {
            return false;
        }

        message = new ClusterMessage(payload.Slice(HeaderLength, idLength), instance, ErlangTimestamp.FromUnixMicroseconds(micros), body);
        return true;
    }
}
