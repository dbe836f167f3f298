using BenchmarkDotNet.Attributes;
using Janus.Protocol;

namespace Janus.Benchmarks;

/// <summary>
/// What a publish costs before fan-out: parse the client's JSON (<see cref="ClientCommandParser"/>), write the
/// delivery body (<see cref="DeliveryEncoder.WriteBody(Span{byte}, ReadOnlySpan{byte}, in ClientCommand)"/>) and stamp
/// the timestamp prefix. Compact input takes the copy fast path; spaced input goes through the compactor.
/// </summary>
[MemoryDiagnoser]
public class EncodingBenchmarks
{
    private byte[] _frame = [];
    private byte[] _destination = [];

    [Params(64, 4096)]
    public int DataBytes { get; set; }

    [Params(false, true)]
    public bool Whitespace { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string separator = Whitespace ? ", " : ",";
        string colon = Whitespace ? " : " : ":";
        var data = new System.Text.StringBuilder("[");
        for (int i = 0; data.Length < DataBytes; i++)
        {
            data.Append(i == 0 ? string.Empty : separator).Append("{\"n\"").Append(colon).Append(i).Append('}');
        }

        data.Append(']');
        string json = "{\"topic\"" + colon + "\"prices/acme\"" + separator + "\"event\"" + colon + "\"tick\"" + separator
            + "\"message_id\"" + colon + "12345" + separator + "\"data\"" + colon + data + "}";
        _frame = System.Text.Encoding.UTF8.GetBytes(json);
        _destination = new byte[DeliveryEncoder.PrefixReserve + _frame.Length + 64];
    }

    [Benchmark]
    public int ParseAndEncode()
    {
        Span<char> topic = stackalloc char[256];
        if (ClientCommandParser.TryParsePublishBody(_frame, topic, out ClientCommand command) != ProtocolError.None)
        {
            throw new InvalidOperationException("The benchmark frame does not parse.");
        }

        Span<byte> destination = _destination;
        int body = DeliveryEncoder.WriteBody(destination[DeliveryEncoder.PrefixReserve..], _frame, command);
        int start = DeliveryEncoder.WriteTimestampPrefix(destination[..DeliveryEncoder.PrefixReserve], ErlangTimestamp.FromDateTimeOffset(DateTimeOffset.UtcNow));
        return DeliveryEncoder.PrefixReserve - start + body;
    }
}
