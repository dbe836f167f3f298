using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CsCheck;
using Janus.Protocol;
using Xunit.Abstractions;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Fuzzes the JSON command parser (<see cref="ClientCommandParser.TryParseCommand"/> and
/// <see cref="ClientCommandParser.TryParsePublishBody"/>) and, on whatever parses as a publish, the delivery encoder.
/// The oracle is System.Text.Json's document parser with the same depth limit: it decides valid JSON, the parser must
/// agree, and a parsed command must say what the document says.
/// </summary>
public sealed class ClientCommandParserFuzzTests
{
    // A rejected frame costs one caught JsonException: its stack trace, and a message that quotes the offending token,
    // which can be most of the frame (the 1,000,000-input run found 14 KB for a 2.5 KB frame). Nothing else grows.
    private static readonly AllocationBudget Budget = new(FixedBytes: 16 * 1024, BytesPerInputByte: 8);

    private static readonly JsonDocumentOptions OracleOptions = new() { MaxDepth = 64 };

    private static readonly byte[][] Seeds = Corpus.Load("command");

    private readonly ITestOutputHelper _output;

    public ClientCommandParserFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>Topic buffer lengths: the default 256, tiny ones, and one past what the topics generator reaches.</summary>
    private static readonly Gen<int> TopicBufferLength = Gen.Frequency((4, Gen.Const(256)), (1, Gen.OneOf(1, 2, 5, 64, 255, 4096)), (1, Gen.Int[1, 300]));

    private static readonly Gen<(byte[] Json, int TopicBuffer, bool PublishBody)> Input = Gen.Select(
        Gen.Frequency(
            (4, Mutations.Mutate(JsonGen.Command.Select(Encoding.UTF8.GetBytes), maxMutations: 2)),
            (3, JsonGen.Command.Select(Encoding.UTF8.GetBytes)),
            (3, Mutations.Mutate(Gen.OneOf(Seeds))),
            (1, Gen.Byte.Array[0, 128])),
        TopicBufferLength,
        Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))));

    [Fact]
    public void ParsesAgreeWithSystemTextJsonAndDeliveriesAreValidJson()
    {
        new FuzzRunner("json command parser", _output).Run(
            Input,
            input => Check(input.Json, input.TopicBuffer, input.PublishBody),
            input => $"{(input.PublishBody ? "publish body" : "command")} topic buffer {input.TopicBuffer}: {Convert.ToHexString(input.Json)} ({Encoding.UTF8.GetString(input.Json)})",
            input => input.Json.Length,
            Seeds.SelectMany(s => new[] { (Json: s, TopicBuffer: 256, PublishBody: false), (Json: s, TopicBuffer: 256, PublishBody: true) }));
    }

    private static long Check(byte[] json, int topicBufferLength, bool publishBody)
    {
        char[] topicBuffer = new char[topicBufferLength];
        long before = GC.GetAllocatedBytesForCurrentThread();
        ProtocolError error = publishBody
            ? ClientCommandParser.TryParsePublishBody(json, topicBuffer, out ClientCommand command)
            : ClientCommandParser.TryParseCommand(json, topicBuffer, out command);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Budget.Check(allocated, json.Length);

        JsonDocument? document = null;
        try
        {
            if (!Utf8.IsValid(json))
            {
                Assert.Equal(ProtocolError.InvalidUtf8, error);
                return allocated;
            }

            try
            {
                document = JsonDocument.Parse(json, OracleOptions);
            }
            catch (JsonException)
            {
                Assert.Equal(ProtocolError.InvalidJson, error);
                return allocated;
            }

            JsonElement root = document.RootElement;
            if (error == ProtocolError.InvalidJson)
            {
                // Grammatical JSON the parser may still refuse: a lone surrogate escape in a key or string it unescapes.
                Assert.True(HasUndecodableText(root), "valid JSON was refused as invalid_json");
                return allocated;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                Assert.Equal(publishBody ? ProtocolError.InvalidPublish : ProtocolError.InvalidCommand, error);
                return allocated;
            }

            if (error != ProtocolError.None)
            {
                // A refusal of valid JSON for what it says; which one is the parser's business (and grows with it).
                Assert.NotEqual(ProtocolError.InvalidUtf8, error);
                return allocated;
            }

            return allocated + CheckParsed(json, root, command, topicBufferLength, publishBody);
        }
        finally
        {
            document?.Dispose();
        }
    }

    /// <summary>Whether a key or string anywhere in the value holds an escape that is not Unicode (a lone surrogate).</summary>
    private static bool HasUndecodableText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    return element.EnumerateObject().Any(p => p.Name.Length < 0 || HasUndecodableText(p.Value));
                case JsonValueKind.Array:
                    return element.EnumerateArray().Any(HasUndecodableText);
                case JsonValueKind.String:
                    return element.GetString() is null;
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static long CheckParsed(byte[] json, JsonElement root, in ClientCommand command, int topicBufferLength, bool publishBody)
    {
        if (!publishBody)
        {
            // The last "action" decides, and every action is named after its ClientAction.
            JsonElement action = root.EnumerateObject().Last(p => p.NameEquals("action")).Value;
            Assert.Equal(JsonValueKind.String, action.ValueKind);
            Assert.Equal(action.GetString(), command.Action.ToString().ToLowerInvariant());
            if (command.Action is not (ClientAction.Subscribe or ClientAction.Unsubscribe or ClientAction.Publish))
            {
                // An action added after this target was written: the generic properties above hold for it too.
                return 0;
            }
        }
        else
        {
            Assert.Equal(ClientAction.Publish, command.Action);
        }

        // Session actions (hello, resume, bye) name no topic; the others always do.
        Assert.InRange(command.Topic.Length, 1, topicBufferLength);
        string topic = command.Topic.ToString();
        Assert.True(TopicNames.IsValid(topic, topicBufferLength), "an accepted topic breaks the topic rule");

        // The last "data" (subscribe/unsubscribe) or "topic" (publish) is the topic, and its range is that value.
        string key = command.Action == ClientAction.Publish ? "topic" : "data";
        JsonElement last = root.EnumerateObject().Last(p => p.NameEquals(key)).Value;
        Assert.Equal(last.GetString(), topic);
        Assert.Equal(topic, JsonSerializer.Deserialize<string>(command.TopicJson.Slice(json)));

        if (command.Action != ClientAction.Publish)
        {
            // Round trip: the topic, written back out as a command, parses to the same topic.
            string again = $"{{\"action\":\"{command.Action.ToString().ToLowerInvariant()}\",\"data\":{JsonSerializer.Serialize(topic)}}}";
            char[] buffer = new char[topicBufferLength];
            Assert.Equal(ProtocolError.None, ClientCommandParser.TryParseCommand(Encoding.UTF8.GetBytes(again), buffer, out ClientCommand reparsed));
            Assert.Equal(topic, reparsed.Topic.ToString());
            Assert.False(command.Data.IsPresent);
            return 0;
        }

        return DeliveryCheck.EncodeAndCheck(
            topic,
            command.TopicJson.Slice(json),
            command.Event.IsPresent ? command.Event.Slice(json) : default,
            command.MessageId.IsPresent ? command.MessageId.Slice(json) : default,
            command.Data.IsPresent ? command.Data.Slice(json) : default);
    }
}
