using System.Globalization;
using System.Text;
using CsCheck;
using Janus.Protocol;
using Xunit.Abstractions;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Fuzzes the topic rule (<see cref="TopicNames"/>) against an oracle written the slow, obvious way (decode every
/// rune, ask <see cref="Rune.IsControl"/>), and checks that the command parser applies the same rule to a topic
/// however it is written: every character escaped, or raw where JSON allows it.
/// </summary>
public sealed class TopicNamesFuzzTests
{
    private static readonly Gen<char> Character = Gen.Frequency(
        (8, Gen.Char['a', 'z']),
        (2, Gen.Char['\u0000', '\u00FF']),
        (2, Gen.OneOf('\u007F', '\u0080', '\u0085', '\u009F', '\u00A0', '\u001F', '\u0000', '\u2028', '\uFEFF', '\uFFFF')),
        (2, Gen.Char['\uD800', '\uDFFF']),
        (1, Gen.Char));

    // Surrogate pairs often enough that valid astral names are tried, not only lone halves.
    private static readonly Gen<string> Name = Gen.Frequency(
        (4, Character.Array[0, 12].Select(chars => new string(chars))),
        (1, Gen.Select(Character.Array[0, 6], Gen.Int[0x10000, 0x10FFFF], Character.Array[0, 6])
            .Select((before, astral, after) => new string(before) + char.ConvertFromUtf32(astral) + new string(after))));

    private static readonly Gen<(string Name, int MaxLength, bool Escaped)> Input =
        Gen.Select(Name, Gen.OneOf(1, 4, 8, 256), Gen.Bool);

    // The check runs on every subscribe: it allocates nothing once optimised, whatever the name. Before the JIT's
    // second tier the BCL's generic range search boxes (measured: 288 B a call for the first ~30 calls, then 0), so a
    // small constant is allowed; nothing may grow with the name.
    private static readonly AllocationBudget NoAllocation = new(FixedBytes: 512, BytesPerInputByte: 0);

    private readonly ITestOutputHelper _output;

    public TopicNamesFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void TheRuleAgreesWithTheOracleAndTheParserAppliesIt()
    {
        new FuzzRunner("topic names", _output).Run(
            Input,
            input => Check(input.Name, input.MaxLength, input.Escaped),
            input => $"max {input.MaxLength}, {(input.Escaped ? "escaped" : "raw")}: {string.Join(' ', input.Name.Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture)))}",
            input => input.Name.Length * 2,
            [(Name: "test", MaxLength: 256, Escaped: false), (Name: "a\u0001b", MaxLength: 256, Escaped: true), (Name: "\uD800", MaxLength: 256, Escaped: true), (Name: "caf\u00E9", MaxLength: 4, Escaped: false)]);
    }

    private static long Check(string name, int maxLength, bool escaped)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool valid = TopicNames.IsValid(name, maxLength);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        NoAllocation.Check(allocated, name.Length * 2);
        Assert.Equal(Oracle(name, maxLength), valid);

        // Raw only where JSON allows raw text (no controls below U+0020, no quote or backslash, no lone surrogate:
        // those would be invalid JSON or UTF-8, refused before the topic rule is asked).
        bool raw = !escaped && name.All(c => c >= 0x20 && c != '"' && c != '\\') && Rune.DecodeFromUtf16(name, out _, out _) != System.Buffers.OperationStatus.InvalidData && IsWellFormed(name);
        string text = raw ? name : string.Concat(name.Select(c => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture)));
        byte[] frame = Encoding.UTF8.GetBytes("{\"action\":\"subscribe\",\"data\":\"" + text + "\"}");
        ProtocolError error = ClientCommandParser.TryParseCommand(frame, new char[maxLength], out ClientCommand command);
        if (valid)
        {
            Assert.Equal(ProtocolError.None, error);
            Assert.Equal(name, command.Topic.ToString());
        }
        else
        {
            Assert.Equal(ProtocolError.InvalidTopic, error);
        }

        return allocated;
    }

    private static bool Oracle(string name, int maxLength)
    {
        if (name.Length == 0 || name.Length > maxLength)
        {
            return false;
        }

        for (int i = 0; i < name.Length;)
        {
            if (Rune.DecodeFromUtf16(name.AsSpan(i), out Rune rune, out int used) != System.Buffers.OperationStatus.Done || Rune.IsControl(rune))
            {
                return false;
            }

            i += used;
        }

        return true;
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out int used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            i += used;
        }

        return true;
    }
}
