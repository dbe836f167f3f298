using System.Text;
using Janus.Protocol;
using Janus.Server.Cluster;

namespace Janus.Cluster.Tests;

public sealed class ClusterMessageTests
{
    private static readonly byte[] Body = "\"topic\":\"t\",\"event\":\"e\",\"message_id\":1,\"data\":{\"x\":1}}"u8.ToArray();

    [Fact]
    public void A_payload_reads_back_as_written()
    {
        var timestamp = new ErlangTimestamp(1732, 543210, 123456);
        byte[] payload = ClusterMessage.Encode("node-a"u8, 0x0123456789abcdef, timestamp, Body);

        Assert.Equal(ClusterMessage.FormatVersion, payload[0]);
        Assert.Equal(2 + 6 + 8 + 8 + Body.Length, payload.Length);
        Assert.True(ClusterMessage.TryRead(payload, out ClusterMessage message));
        Assert.Equal("node-a", Encoding.ASCII.GetString(message.OriginNodeId));
        Assert.Equal(0x0123456789abcdefUL, message.OriginInstance);
        Assert.Equal(timestamp, message.Timestamp);
        Assert.Equal(Body, message.Body.ToArray());
    }

    [Fact]
    public void Payloads_that_are_not_ours_or_could_break_client_framing_are_refused()
    {
        byte[] good = ClusterMessage.Encode("n"u8, 1, new ErlangTimestamp(1, 2, 3), Body);
        Assert.False(ClusterMessage.TryRead([], out _));
        Assert.False(ClusterMessage.TryRead(good.AsSpan(0, 10), out _));

        byte[] otherVersion = (byte[])good.Clone();
        otherVersion[0] = 2;
        Assert.False(ClusterMessage.TryRead(otherVersion, out _));

        byte[] delimiterInBody = ClusterMessage.Encode("n"u8, 1, new ErlangTimestamp(1, 2, 3), "\"topic\":\"t\"\u0001}"u8);
        Assert.False(ClusterMessage.TryRead(delimiterInBody, out _));

        byte[] unterminated = ClusterMessage.Encode("n"u8, 1, new ErlangTimestamp(1, 2, 3), "\"topic\":\"t\""u8);
        Assert.False(ClusterMessage.TryRead(unterminated, out _));
    }

    [Fact]
    public void A_positioned_payload_reads_its_offset_epoch_and_inner_payload_and_refuses_garbage()
    {
        byte[] inner = ClusterMessage.Encode("n"u8, 1, new ErlangTimestamp(1, 2, 3), Body);
        byte[] payload = [2, .. "57:9f2c41d0:"u8, .. inner];
        Assert.True(ClusterMessage.TryReadPositioned(payload, out long offset, out string epoch, out ReadOnlySpan<byte> rest));
        Assert.Equal(57, offset);
        Assert.Equal("9f2c41d0", epoch);
        Assert.True(rest.SequenceEqual(inner));

        foreach (byte[] bad in new byte[][]
        {
            [1, .. "57:e:"u8, .. inner],
            [2, .. "0:e:"u8, .. inner],
            [2, .. "-3:e:"u8, .. inner],
            [2, .. "x:e:"u8, .. inner],
            [2, .. "57::"u8, .. inner],
            [2, .. "57:a\"b:"u8, .. inner],
            [2, .. "57"u8],
        })
        {
            Assert.False(ClusterMessage.TryReadPositioned(bad, out _, out _, out _));
        }
    }

    [Fact]
    public void Announcements_read_back_and_reject_garbage()
    {
        byte[] alive = NodeAnnouncement.Encode(NodeAnnouncement.Alive, "node-b"u8, 42);
        Assert.True(NodeAnnouncement.TryRead(alive, out byte kind, out string id, out ulong instance));
        Assert.Equal(NodeAnnouncement.Alive, kind);
        Assert.Equal("node-b", id);
        Assert.Equal(42UL, instance);

        Assert.False(NodeAnnouncement.TryRead(alive.AsSpan(0, alive.Length - 1), out _, out _, out _));
        Assert.False(NodeAnnouncement.TryRead(NodeAnnouncement.Encode(9, "node-b"u8, 42), out _, out _, out _));
        Assert.False(NodeAnnouncement.TryRead(NodeAnnouncement.Encode(NodeAnnouncement.Leaving, "bad id"u8, 42), out _, out _, out _));
    }
}
