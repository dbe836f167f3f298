using System.Buffers.Binary;
using System.Text;

namespace Janus.Server.Cluster;

/// <summary>
/// What a node says on the <c>{prefix}nodes</c> channel: "I am here" once per heartbeat interval, and "I am leaving"
/// on a graceful stop so that peers drop it at once. Binary, like <see cref="ClusterMessage"/>:
/// <code>
/// offset   size  field
/// 0        1     format version, 1
/// 1        1     kind: 1 = alive, 2 = leaving
/// 2        1     N, the length of the node id (1–64)
/// 3        N     node id, ASCII
/// 3+N      8     instance: random per process (two processes announcing one node id is a misconfiguration)
/// </code>
/// </summary>
internal static class NodeAnnouncement
{
    /// <summary>The format version this node writes and reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The node is up.</summary>
    public const byte Alive = 1;

    /// <summary>The node is stopping.</summary>
    public const byte Leaving = 2;

    private const int HeaderLength = 3;
    private const int InstanceLength = 8;

    /// <summary>Builds an announcement.</summary>
    public static byte[] Encode(byte kind, ReadOnlySpan<byte> nodeId, ulong instance)
    {
        byte[] payload = new byte[HeaderLength + nodeId.Length + InstanceLength];
        payload[0] = FormatVersion;
        payload[1] = kind;
        payload[2] = (byte)nodeId.Length;
        nodeId.CopyTo(payload.AsSpan(HeaderLength));
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(HeaderLength + nodeId.Length), instance);
        return payload;
    }

    /// <summary>Reads an announcement; false if it is not one this node understands.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out byte kind, out string nodeId, out ulong instance)
    {
        kind = 0;
        nodeId = "";
        instance = 0;
        if (payload.Length < HeaderLength + 1 + InstanceLength || payload[0] != FormatVersion || payload[1] is not (Alive or Leaving)
            || payload[2] == 0 || payload.Length != HeaderLength + payload[2] + InstanceLength)
        {
            return false;
        }

        kind = payload[1];
        nodeId = Encoding.ASCII.GetString(payload.Slice(HeaderLength, payload[2]));
        instance = BinaryPrimitives.ReadUInt64LittleEndian(payload[(HeaderLength + payload[2])..]);
        return NodeIds.IsValid(nodeId);
    }
}
