using System.Buffers;
using System.Text;
using CsCheck;
using Janus.Protocol;
using Xunit.Abstractions;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Fuzzes the TCP frame scanner: <see cref="ClientFrames.TryReadFrame"/> over a stream cut into segments at random
/// points, and <see cref="ClientFrames.Classify"/> on every frame it finds.
/// </summary>
public sealed class ClientFramesFuzzTests
{
    // The scanner allocates nothing; the constant leaves room for nothing else.
    private static readonly AllocationBudget Budget = new(FixedBytes: 0, BytesPerInputByte: 0);

    private static readonly byte[][] Seeds = Corpus.Load("tcp");

    private readonly ITestOutputHelper _output;

    public ClientFramesFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>One frame's bytes: a real one from the corpus, a command, a fixed token, or noise.</summary>
    private static readonly Gen<byte[]> Frame = Gen.Frequency(
        (3, Gen.OneOf(Seeds)),
        (3, JsonGen.Command.Select(Encoding.UTF8.GetBytes)),
        (2, Gen.OneOf("PING", "PONG", "PUBLISH", "<regular-socket/>", "<policy-file-request/>", "", " {", "\t\n{}", "<", "P", "PINGPONG", "<policy-file-request/", "\r\n<regular-socket/>").Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Byte.Array[0, 64]));

    /// <summary>A stream: frames with one to three NULs after each (the last sometimes unterminated), mutated, then cut.</summary>
    private static readonly Gen<(byte[] Stream, int[] CutsA, int[] CutsB)> Input = Gen.Select(
        Gen.Frequency(
            (6, Mutations.Mutate(Gen.Select(Frame, Gen.Int[0, 3]).Array[0, 10].Select(Join), maxMutations: 2)),
            (1, Gen.Byte.Array[0, 512]),
            (1, Gen.Frequency((1, Gen.Const((byte)0)), (1, Gen.Byte)).Array[0, 64])),
        Sequences.Cuts,
        Sequences.Cuts);

    [Fact]
    public void FramesAreTheSameWhateverTheSplitAndClassifyNeverThrows()
    {
        new FuzzRunner("tcp frame scanner", _output).Run(
            Input,
            input => Check(input.Stream, input.CutsA, input.CutsB),
            input => $"stream {Convert.ToHexString(input.Stream)} cuts [{string.Join(",", input.CutsA)}] / [{string.Join(",", input.CutsB)}]",
            input => input.Stream.Length,
            Seeds.Select(s => (Stream: s, CutsA: new[] { 500 }, CutsB: new[] { -1 })));
    }

    private static byte[] Join((byte[] Frame, int Nuls)[] frames)
    {
        var stream = new List<byte>();
        foreach ((byte[] frame, int nuls) in frames)
        {
            stream.AddRange(frame);
            for (int i = 0; i < nuls; i++)
            {
                stream.Add(0);
            }
        }

        return [.. stream];
    }

    private static long Check(byte[] stream, int[] cutsA, int[] cutsB)
    {
        List<byte[]> expected = ReferenceFrames(stream, out byte[] expectedRest);
        (List<byte[]> framesA, byte[] restA, long allocated) = Scan(Sequences.Split(stream, cutsA));
        Budget.Check(allocated, stream.Length);
        (List<byte[]> framesB, byte[] restB, _) = Scan(Sequences.Split(stream, cutsB));
        (List<byte[]> framesWhole, byte[] restWhole, _) = Scan(new ReadOnlySequence<byte>(stream));
        foreach ((List<byte[]> frames, byte[] rest) in new[] { (framesA, restA), (framesB, restB), (framesWhole, restWhole) })
        {
            Assert.Equal(expected.Count, frames.Count);
            for (int i = 0; i < frames.Count; i++)
            {
                Assert.True(expected[i].AsSpan().SequenceEqual(frames[i]), $"frame {i} differs");
            }

            Assert.True(expectedRest.AsSpan().SequenceEqual(rest), "the unterminated rest differs");
        }

        long classifyAllocated = 0;
        foreach (byte[] frame in expected)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            ClientFrameKind kind = ClientFrames.Classify(frame);
            classifyAllocated += GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(ReferenceKind(frame), kind);
        }

        Budget.Check(classifyAllocated, stream.Length);
        return allocated + classifyAllocated;
    }

    /// <summary>Takes every frame the way a connection does, copying each out (outside the measured calls).</summary>
    private static (List<byte[]> Frames, byte[] Remainder, long Allocated) Scan(ReadOnlySequence<byte> buffer)
    {
        var frames = new List<byte[]>();
        long allocated = 0;
        while (true)
        {
            long length = buffer.Length;
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool found = ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> frame);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            if (!found)
            {
                Assert.Equal(length, buffer.Length);
                return (frames, buffer.ToArray(), allocated);
            }

            // Progress: the frame and its NUL leave the buffer, so the loop cannot spin.
            Assert.Equal(length - frame.Length - 1, buffer.Length);
            frames.Add(frame.ToArray());
        }
    }

    private static List<byte[]> ReferenceFrames(byte[] stream, out byte[] rest)
    {
        var frames = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < stream.Length; i++)
        {
            if (stream[i] == 0)
            {
                frames.Add(stream[start..i]);
                start = i + 1;
            }
        }

        rest = stream[start..];
        return frames;
    }

    /// <summary>docs/protocol.md's rules, written out independently of the scanner's switch.</summary>
    private static ClientFrameKind ReferenceKind(byte[] frame)
    {
        string text = Encoding.Latin1.GetString(frame);
        return text switch
        {
            "" => ClientFrameKind.Empty,
            "<regular-socket/>" => ClientFrameKind.RegularSocketPrefix,
            "<policy-file-request/>" => ClientFrameKind.PolicyFileRequest,
            "PING" => ClientFrameKind.Ping,
            "PONG" => ClientFrameKind.Pong,
            "PUBLISH" => ClientFrameKind.Publish,
            _ => text.TrimStart(' ', '\t', '\r', '\n').StartsWith('{') ? ClientFrameKind.Json : ClientFrameKind.Unknown,
        };
    }
}
