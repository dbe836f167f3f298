using System.Buffers;
using System.Text;

namespace Janus.Protocol.Tests;

public sealed class ClientFramesTests
{
    // What the original bot writes when it connects and subscribes: the prefix, a PING, then the subscribe.
    private static readonly byte[] RealisticWrite = Encoding.UTF8.GetBytes("<regular-socket/>\0PING\0{\"action\":\"subscribe\",\"data\":\"news/é\"}\0");

    private static readonly string[] RealisticFrames = ["<regular-socket/>", "PING", "{\"action\":\"subscribe\",\"data\":\"news/é\"}"];

    [Fact]
    public void Reads_one_frame_and_leaves_the_rest()
    {
        ReadOnlySequence<byte> buffer = new(Encoding.UTF8.GetBytes("PING\0PO"));

        Assert.True(ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> frame));

        Assert.Equal("PING", Text(frame));
        Assert.Equal("PO", Text(buffer));
    }

    [Fact]
    public void Without_a_delimiter_nothing_is_taken()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("{\"action\":\"subscribe\"");
        ReadOnlySequence<byte> single = new(bytes);
        ReadOnlySequence<byte> split = Segments.SplitAt(bytes, 5);

        Assert.False(ClientFrames.TryReadFrame(ref single, out _));
        Assert.False(ClientFrames.TryReadFrame(ref split, out _));

        Assert.Equal(bytes.Length, single.Length);
        Assert.Equal(bytes.Length, split.Length);
    }

    [Fact]
    public void A_realistic_write_split_into_two_segments_at_every_byte_boundary_gives_the_same_frames()
    {
        for (int at = 0; at <= RealisticWrite.Length; at++)
        {
            ReadOnlySequence<byte> buffer = Segments.SplitAt(RealisticWrite, at);

            Assert.Equal(RealisticFrames, ReadAll(ref buffer));
            Assert.True(buffer.IsEmpty, $"split at {at} left {buffer.Length} bytes");
        }
    }

    [Fact]
    public void A_realistic_write_split_into_three_segments_at_every_pair_of_boundaries_gives_the_same_frames()
    {
        for (int a = 0; a <= RealisticWrite.Length; a++)
        {
            for (int b = a; b <= RealisticWrite.Length; b++)
            {
                ReadOnlySequence<byte> buffer = Segments.Create(RealisticWrite[..a], RealisticWrite[a..b], RealisticWrite[b..]);

                Assert.Equal(RealisticFrames, ReadAll(ref buffer));
                Assert.True(buffer.IsEmpty);
            }
        }
    }

    [Fact]
    public void One_byte_per_segment_gives_the_same_frames()
    {
        ReadOnlySequence<byte> buffer = Segments.OneBytePerSegment(RealisticWrite);

        Assert.Equal(RealisticFrames, ReadAll(ref buffer));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void A_frame_completed_by_a_later_segment_is_read_once_it_arrives()
    {
        // The pipe first holds the start of a frame; later the rest arrives in another segment.
        byte[] bytes = Encoding.UTF8.GetBytes("PUBLISH\0{\"topic\":\"t\"}\0");
        for (int at = 1; at < bytes.Length; at++)
        {
            if (Array.IndexOf(bytes, (byte)0, 0, at) >= 0)
            {
                continue;
            }

            ReadOnlySequence<byte> partial = new(bytes[..at]);
            Assert.False(ClientFrames.TryReadFrame(ref partial, out _));

            ReadOnlySequence<byte> complete = Segments.SplitAt(bytes, at);
            Assert.Equal(["PUBLISH", "{\"topic\":\"t\"}"], ReadAll(ref complete));
        }
    }

    [Fact]
    public void Several_frames_merged_in_one_segment_come_out_one_by_one()
    {
        ReadOnlySequence<byte> buffer = new(Encoding.UTF8.GetBytes("PING\0PONG\0\0{\"a\":1}\0<regular-socket/>\0tail"));

        Assert.Equal(["PING", "PONG", "", "{\"a\":1}", "<regular-socket/>"], ReadAll(ref buffer));
        Assert.Equal("tail", Text(buffer));
    }

    [Theory]
    [InlineData("<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"t\"}\0")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\"}\0")]
    [InlineData("<regular-socket/>\0<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"t\"}\0<regular-socket/>\0")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\"}\0<regular-socket/>\0")]
    public void The_prefix_present_absent_or_repeated_is_its_own_frame_and_only_the_command_remains(string write)
    {
        ReadOnlySequence<byte> buffer = new(Encoding.UTF8.GetBytes(write));
        var commands = new List<string>();
        while (ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> frame))
        {
            ClientFrameKind kind = ClientFrames.Classify(frame.ToArray());
            if (kind != ClientFrameKind.RegularSocketPrefix)
            {
                Assert.Equal(ClientFrameKind.Json, kind);
                commands.Add(Text(frame));
            }
        }

        Assert.Equal(["{\"action\":\"subscribe\",\"data\":\"t\"}"], commands);
    }

    [Theory]
    [InlineData("", ClientFrameKind.Empty)]
    [InlineData("<regular-socket/>", ClientFrameKind.RegularSocketPrefix)]
    [InlineData("<policy-file-request/>", ClientFrameKind.PolicyFileRequest)]
    [InlineData("PING", ClientFrameKind.Ping)]
    [InlineData("PONG", ClientFrameKind.Pong)]
    [InlineData("PUBLISH", ClientFrameKind.Publish)]
    [InlineData("{\"action\":\"subscribe\"}", ClientFrameKind.Json)]
    [InlineData("{", ClientFrameKind.Json)]
    [InlineData(" \r\n\t{\"a\":1}", ClientFrameKind.Json)]
    [InlineData("<regular-socket/ >", ClientFrameKind.Unknown)]
    [InlineData("<regular-socket/><x/>", ClientFrameKind.Unknown)]
    [InlineData("<policy-file-request>", ClientFrameKind.Unknown)]
    [InlineData("ping", ClientFrameKind.Unknown)]
    [InlineData("PINGPONG", ClientFrameKind.Unknown)]
    [InlineData("PUBLISH ", ClientFrameKind.Unknown)]
    [InlineData("P", ClientFrameKind.Unknown)]
    [InlineData("[1,2]", ClientFrameKind.Unknown)]
    [InlineData("   ", ClientFrameKind.Unknown)]
    [InlineData("hello", ClientFrameKind.Unknown)]
    public void Classifies_frames_by_their_bytes(string frame, ClientFrameKind expected)
    {
        Assert.Equal(expected, ClientFrames.Classify(Encoding.UTF8.GetBytes(frame)));
    }

    [Fact]
    public void Garbage_bytes_are_unknown()
    {
        Assert.Equal(ClientFrameKind.Unknown, ClientFrames.Classify([0xFF, 0xFE, 0x80, 0x01]));
        Assert.Equal(ClientFrameKind.Unknown, ClientFrames.Classify([0x01]));
    }

    private static List<string> ReadAll(ref ReadOnlySequence<byte> buffer)
    {
        var frames = new List<string>();
        while (ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> frame))
        {
            frames.Add(Text(frame));
        }

        return frames;
    }

    private static string Text(in ReadOnlySequence<byte> bytes) => Encoding.UTF8.GetString(bytes.ToArray());
}
