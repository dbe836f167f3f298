using System.Text;
using System.Text.Json;
using CsCheck;
using Janus.Protocol;
using Janus.Server.Api;
using Xunit.Abstractions;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Fuzzes the HTTP publish parser as <c>POST /api/publish</c> runs it: the body through <see cref="JsonDocument"/> with
/// the endpoint's options (its <see cref="JsonException"/> is the documented "invalid_json" refusal), the document
/// through <see cref="PublishRequestParser"/>, and every accepted message through the delivery encoder.
/// </summary>
public sealed class PublishRequestParserFuzzTests
{
    // The document, the items' topic strings and the refusal messages grow with the body; nothing else may.
    private static readonly AllocationBudget Budget = new(FixedBytes: 64 * 1024, BytesPerInputByte: 32);

    // PublishEndpoint's options.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    private static readonly byte[][] Seeds = Corpus.Load("http");

    private readonly ITestOutputHelper _output;

    public PublishRequestParserFuzzTests(ITestOutputHelper output) => _output = output;

    /// <summary>Limits: the defaults, tight ones, and a topic length past 512 (the parser's heap-buffer path).</summary>
    private static readonly Gen<(int MaxTopicLength, int MaxMessageBytes, int MaxItems)> Limits = Gen.Frequency(
        (4, Gen.Const((256, 64 * 1024, 1000))),
        (2, Gen.Select(Gen.OneOf(1, 4, 256, 600, 4096), Gen.OneOf(256, 400, 1024, 64 * 1024), Gen.OneOf(1, 2, 3, 1000))));

    private static readonly Gen<(byte[] Body, (int MaxTopicLength, int MaxMessageBytes, int MaxItems) Limits)> Input = Gen.Select(
        Gen.Frequency(
            (4, Mutations.Mutate(JsonGen.PublishBody.Select(Encoding.UTF8.GetBytes), maxMutations: 2)),
            (3, JsonGen.PublishBody.Select(Encoding.UTF8.GetBytes)),
            (3, Mutations.Mutate(Gen.OneOf(Seeds))),
            (1, Gen.Byte.Array[0, 128])),
        Limits);

    [Fact]
    public void AcceptedBodiesRespectTheLimitsAndEncodeToValidDeliveries()
    {
        new FuzzRunner("http publish parser", _output).Run(
            Input,
            input => Check(input.Body, input.Limits.MaxTopicLength, input.Limits.MaxMessageBytes, input.Limits.MaxItems),
            input => $"limits {input.Limits}: {Convert.ToHexString(input.Body)} ({Encoding.UTF8.GetString(input.Body)})",
            input => input.Body.Length,
            Seeds.Select(s => (Body: s, Limits: (MaxTopicLength: 256, MaxMessageBytes: 64 * 1024, MaxItems: 1000))));
    }

    private static long Check(byte[] body, int maxTopicLength, int maxMessageBytes, int maxItems)
    {
        var parser = new PublishRequestParser(maxTopicLength, maxMessageBytes, maxItems);
        var items = new List<PublishItem>();
        long before = GC.GetAllocatedBytesForCurrentThread();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            Budget.Check(GC.GetAllocatedBytesForCurrentThread() - before, body.Length);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        using (document)
        {
            ApiFailure? failure = parser.Parse(document.RootElement, items);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Budget.Check(allocated, body.Length);
            if (failure is not null)
            {
                Assert.Contains(failure.Status, new[] { 400, 413, 422 });
                Assert.False(string.IsNullOrEmpty(failure.Code));
                Assert.False(string.IsNullOrEmpty(failure.Reason));
                return allocated;
            }

            Assert.InRange(items.Count, 1, maxItems);
            foreach (PublishItem item in items)
            {
                Assert.InRange(item.Topic.Length, 1, maxTopicLength);
                Assert.True(TopicNames.IsValid(item.Topic, maxTopicLength), "an accepted topic breaks the topic rule");
                Assert.Equal(item.TopicJson.GetString(), item.Topic);
                ReadOnlySpan<byte> topic = PublishRequestParser.Raw(item.TopicJson);
                ReadOnlySpan<byte> eventValue = PublishRequestParser.Raw(item.Event);
                ReadOnlySpan<byte> messageId = PublishRequestParser.Raw(item.MessageId);
                ReadOnlySpan<byte> data = PublishRequestParser.Raw(item.Data);
                Assert.True(
                    DeliveryEncoder.MaxTimestampPrefixLength + DeliveryEncoder.GetMaxBodyLength(topic.Length, eventValue.Length, messageId.Length, data.Length) <= maxMessageBytes,
                    "an accepted message is over the size limit");
                allocated += DeliveryCheck.EncodeAndCheck(item.Topic, topic, eventValue, messageId, data);
            }

            // One message to several topics never names a topic twice.
            JsonElement root = document.RootElement;
            IEnumerable<JsonElement> messages = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray()
                : root.TryGetProperty("messages", out JsonElement list) ? list.EnumerateArray()
                : [root];
            foreach (JsonElement message in messages)
            {
                if (message.TryGetProperty("topics", out JsonElement topics))
                {
                    string[] names = topics.EnumerateArray().Select(t => t.GetString()!).ToArray();
                    Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
                }
            }

            return allocated;
        }
    }
}
