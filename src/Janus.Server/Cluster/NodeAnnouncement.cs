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

    /// <summary>Builds an announcement.</summary>
    public static byte[] Encode(byte kind, ReadOnlySpan<byte> nodeId)
    {
        byte[] payload = new byte[3 + nodeId.Length];
        payload[0] = FormatVersion;
        payload[1] = kind;
        payload[2] = (byte)nodeId.Length;
        nodeId.CopyTo(payload.AsSpan(3));
        return payload;
    }

    /// <summary>Reads an announcement; false if it is not one this node understands.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out byte kind, out string nodeId)
    {
        kind = 0;
        nodeId = "";
        if (payload.Length < 4 || payload[0] != FormatVersion || payload[1] is not (Alive or Leaving) || payload[2] == 0 || payload.Length != 3 + payload[2])
        {
            return false;
        }

        kind = payload[1];
        nodeId = Encoding.ASCII.GetString(payload[3..]);
        return NodeIds.IsValid(nodeId);
    }
}
