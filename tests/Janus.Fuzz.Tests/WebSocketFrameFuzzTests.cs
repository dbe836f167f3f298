using System.Buffers;
using System.Buffers.Binary;
using CsCheck;
using Janus.Protocol;
using Xunit.Abstractions;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Fuzzes the WebSocket frame reader's parts: <see cref="WebSocketFrameHeader.TryRead(in ReadOnlySequence{byte}, out WebSocketFrameHeader)"/>
/// and its span overload on every header shape, and <see cref="WebSocketMask.Unmask(in ReadOnlySequence{byte}, Span{byte}, uint)"/>
/// on payloads split anywhere, walking a stream of frames the way the connection's read loop does.
/// </summary>
public sealed class WebSocketFrameFuzzTests
{
    // Header decoding and unmasking work on the stack and the caller's buffers.
    private static readonly AllocationBudget Budget = new(FixedBytes: 0, BytesPerInputByte: 0);

    // What the read loop allows before it waits for a payload (Janus:Limits:MaxFrameBytes at its default).
    private const ulong MaxPayload = 64 * 1024;

    private static readonly byte[][] Seeds = Corpus.Load("websocket");

    private readonly ITestOutputHelper _output;

    public WebSocketFrameFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>A stream of frames (or raw bytes), cut short at some point, split into segments.</summary>
    private static readonly Gen<(WebSocketFrameSpec[] Frames, byte[] Raw, int Keep, int[] Cuts)> Input = Gen.Select(
        Gen.Frequency(
            (6, WebSocketFrameSpec.Gen.Array[1, 4]),
            (2, Gen.Const(Array.Empty<WebSocketFrameSpec>()))),
        Gen.Frequency(
            (3, Mutations.Mutate(Gen.OneOf(Seeds), maxMutations: 3)),
            (1, Gen.Byte.Array[0, 32])),
        Gen.Frequency((4, Gen.Const(1000)), (1, Gen.Int[0, 1000])),
        Sequences.Cuts);

    [Fact]
    public void HeadersDecodeAsEncodedAndPayloadsUnmaskWhateverTheSplit()
    {
        new FuzzRunner("websocket frame reader", _output).Run(
            Input,
            input => input.Frames.Length > 0 ? CheckFrames(input.Frames, input.Keep, input.Cuts) : CheckRaw(input.Raw, input.Cuts),
            input => input.Frames.Length > 0
                ? $"frames [{string.Join("; ", input.Frames.Select(f => f.ToString()))}] keep {input.Keep}‰ cuts [{string.Join(",", input.Cuts)}]"
                : $"raw {Convert.ToHexString(input.Raw)} cuts [{string.Join(",", input.Cuts)}]",
            input => input.Frames.Length > 0 ? input.Frames.Sum(f => f.HeaderLength + f.Payload.Length) : input.Raw.Length,
            Seeds.Select(s => (Frames: Array.Empty<WebSocketFrameSpec>(), Raw: s, Keep: 1000, Cuts: new[] { -1 })));
    }

    private static long CheckFrames(WebSocketFrameSpec[] frames, int keepPerMille, int[] cuts)
    {
        byte[] whole = frames.SelectMany(f => f.Encode()).ToArray();
        byte[] stream = whole[..(int)((long)whole.Length * keepPerMille / 1000)];
        ReadOnlySequence<byte> buffer = Sequences.Split(stream, cuts);
        long allocated = 0;
        int offset = 0;
        foreach (WebSocketFrameSpec spec in frames)
        {
            int remaining = stream.Length - offset;
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool found = WebSocketFrameHeader.TryRead(buffer, out WebSocketFrameHeader header);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            AssertSameAsSpan(stream.AsSpan(offset), found, header);
            if (remaining < spec.HeaderLength)
            {
                Assert.False(found, "a header was read from fewer bytes than it has");
                break;
            }

            Assert.True(found, "a complete header was not read");
            Assert.Equal(spec.Fin, header.Fin);
            Assert.Equal(spec.Reserved, header.Reserved);
            Assert.Equal(spec.Opcode, header.Opcode);
            Assert.Equal(spec.Masked, header.Masked);
            Assert.Equal(spec.MaskKey, header.MaskKey);
            Assert.Equal(spec.DeclaredLength, header.PayloadLength);
            Assert.Equal(spec.HeaderLength, header.Length);

            // The read loop's own arithmetic: a declared length past the limit is refused before it is added to anything.
            if (!spec.IsWhole || header.PayloadLength > MaxPayload)
            {
                break;
            }

            long frameLength = header.Length + (long)header.PayloadLength;
            if (buffer.Length < frameLength)
            {
                break;
            }

            ReadOnlySequence<byte> payload = buffer.Slice(header.Length, (long)header.PayloadLength);
            byte[] unmasked = new byte[payload.Length];
            before = GC.GetAllocatedBytesForCurrentThread();
            WebSocketMask.Unmask(payload, unmasked, header.MaskKey);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(spec.Payload.AsSpan().SequenceEqual(unmasked), "the payload did not unmask to what was sent");

            // Masking is its own inverse, from any starting position within the key.
            byte[] masked = new byte[unmasked.Length];
            int split = unmasked.Length / 3;
            WebSocketMask.Unmask(unmasked.AsSpan(0, split), masked, header.MaskKey, 0);
            WebSocketMask.Unmask(unmasked.AsSpan(split), masked.AsSpan(split), header.MaskKey, split);
            Assert.True(payload.ToArray().AsSpan().SequenceEqual(masked), "masking the payload again did not give the wire bytes");

            buffer = buffer.Slice(frameLength);
            offset += (int)frameLength;
        }

        Budget.Check(allocated, stream.Length);
        return allocated;
    }

    private static long CheckRaw(byte[] raw, int[] cuts)
    {
        ReadOnlySequence<byte> buffer = Sequences.Split(raw, cuts);
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool found = WebSocketFrameHeader.TryRead(buffer, out WebSocketFrameHeader header);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Budget.Check(allocated, raw.Length);
        AssertSameAsSpan(raw, found, header);

        int expectedLength = raw.Length < 2 ? int.MaxValue : 2 + ((raw[1] & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 }) + ((raw[1] & 0x80) != 0 ? 4 : 0);
        Assert.Equal(raw.Length >= expectedLength, found);
        if (found)
        {
            Assert.Equal(expectedLength, header.Length);
            Assert.InRange(header.Length, 2, WebSocketFrameHeader.MaxLength);
            ulong length = (raw[1] & 0x7F) switch
            {
                126 => BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(2)),
                127 => BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(2)),
                int small => (ulong)small,
            };
            Assert.Equal(length, header.PayloadLength);
            Assert.Equal(raw[0] & 0x0F, header.Opcode);
        }

        return allocated;
    }

    /// <summary>The span overload, on the same bytes, must say the same as the sequence overload.</summary>
    private static void AssertSameAsSpan(ReadOnlySpan<byte> bytes, bool found, in WebSocketFrameHeader header)
    {
        bool spanFound = WebSocketFrameHeader.TryRead(bytes, out WebSocketFrameHeader spanHeader);
        Assert.Equal(found, spanFound);
        Assert.Equal(
            (header.Fin, header.Reserved, header.Opcode, header.Masked, header.MaskKey, header.PayloadLength, header.Length),
            (spanHeader.Fin, spanHeader.Reserved, spanHeader.Opcode, spanHeader.Masked, spanHeader.MaskKey, spanHeader.PayloadLength, spanHeader.Length));
    }
}
