using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Janus.Protocol;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Api;

/// <summary>
/// Validates the body of <c>POST /api/publish</c> in all its forms (one message; one message to several topics;
/// <c>{"messages":[…]}</c> or a bare array of messages) into <see cref="PublishItem"/>s. Nothing is published unless
/// everything is valid, and every refusal names the offending field by its path.
/// </summary>
internal sealed class PublishRequestParser
{
    private readonly int _maxTopicLength;
    private readonly int _maxMessageBytes;
    private readonly int _maxItems;

    public PublishRequestParser(int maxTopicLength, int maxMessageBytes, int maxItems)
    {
        _maxTopicLength = maxTopicLength;
        _maxMessageBytes = maxMessageBytes;
        _maxItems = maxItems;
    }

    /// <summary>Fills <paramref name="items"/>; returns why the body is refused, or null.</summary>
    public ApiFailure? Parse(JsonElement root, List<PublishItem> items)
    {
        try
        {
            return ParseRoot(root, items);
        }
        catch (InvalidOperationException)
        {
            // Looking a property up unescapes the keys it passes, and a lone surrogate escape ("\ud800") cannot be
            // unescaped: JsonDocument accepts it as grammar, but it is not text.
            return new ApiFailure(StatusCodes.Status400BadRequest, "invalid_json", "the body has a key that is not valid Unicode (a lone surrogate escape)");
        }
    }

    private ApiFailure? ParseRoot(JsonElement root, List<PublishItem> items)
    {
        switch (root.ValueKind)
        {
            case JsonValueKind.Array:
                return ParseBatch(root, string.Empty, items);
            case JsonValueKind.Object:
                if (root.TryGetProperty("messages", out JsonElement messages))
                {
                    return messages.ValueKind == JsonValueKind.Array
                        ? ParseBatch(messages, "messages", items)
                        : Invalid("messages", "must be an array of message objects");
                }

                return ParseMessage(root, string.Empty, items);
            default:
                return new ApiFailure(StatusCodes.Status400BadRequest, "invalid_body", "the body must be a JSON object (one message) or an array of messages");
        }
    }

    private ApiFailure? ParseBatch(JsonElement array, string path, List<PublishItem> items)
    {
        int count = array.GetArrayLength();
        if (count == 0)
        {
            return new ApiFailure(StatusCodes.Status422UnprocessableEntity, "empty_batch", $"{(path.Length == 0 ? "the array" : path)} has no messages");
        }

        int index = 0;
        foreach (JsonElement message in array.EnumerateArray())
        {
            string prefix = $"{path}[{index}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                return Invalid(prefix, "must be a message object");
            }

            ApiFailure? failure = ParseMessage(message, prefix + ".", items);
            if (failure is not null)
            {
                return failure;
            }

            index++;
        }

        return null;
    }

    private ApiFailure? ParseMessage(JsonElement message, string prefix, List<PublishItem> items)
    {
        bool hasTopic = message.TryGetProperty("topic", out JsonElement topic);
        bool hasTopics = message.TryGetProperty("topics", out JsonElement topics);
        if (hasTopic && hasTopics)
        {
            return Invalid(prefix + "topic", $"and {prefix}topics are both given: give one or the other");
        }

        if (!hasTopic && !hasTopics)
        {
            return new ApiFailure(StatusCodes.Status422UnprocessableEntity, "missing_field", $"{prefix}topic (or {prefix}topics) is required");
        }

        message.TryGetProperty("event", out JsonElement eventValue);
        message.TryGetProperty("message_id", out JsonElement messageId);
        message.TryGetProperty("data", out JsonElement data);

        // JsonDocument checks structure, not the UTF-8 inside strings, and deliveries carry these values verbatim: bad
        // bytes would reach every subscriber (a browser closes its WebSocket on them). TCP and WebSocket refuse them too.
        ApiFailure? invalidText = CheckUtf8(eventValue, prefix, "event") ?? CheckUtf8(messageId, prefix, "message_id") ?? CheckUtf8(data, prefix, "data");
        if (invalidText is not null)
        {
            return invalidText;
        }

        if (hasTopic)
        {
            return AddItem(topic, prefix + "topic", eventValue, messageId, data, items);
        }

        if (topics.ValueKind != JsonValueKind.Array || topics.GetArrayLength() == 0)
        {
            return Invalid(prefix + "topics", "must be a non-empty array of topic strings");
        }

        int first = items.Count;
        int index = 0;
        foreach (JsonElement each in topics.EnumerateArray())
        {
            ApiFailure? failure = AddItem(each, $"{prefix}topics[{index}]", eventValue, messageId, data, items);
            if (failure is not null)
            {
                return failure;
            }

            string added = items[^1].Topic;
            for (int i = first; i < items.Count - 1; i++)
            {
                if (string.Equals(items[i].Topic, added, StringComparison.Ordinal))
                {
                    return Invalid($"{prefix}topics[{index}]", $"repeats the topic \"{added}\"");
                }
            }

            index++;
        }

        return null;
    }

    private ApiFailure? AddItem(JsonElement topic, string path, JsonElement eventValue, JsonElement messageId, JsonElement data, List<PublishItem> items)
    {
        if (topic.ValueKind != JsonValueKind.String)
        {
            return Invalid(path, "must be a string");
        }

        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(topic);
        Span<char> name = _maxTopicLength <= 512 ? stackalloc char[_maxTopicLength] : new char[_maxTopicLength];
        if (!ClientCommandParser.TryUnescapeTopic(raw, name, out int length))
        {
            return Invalid(path, $"must be a non-empty string of at most {_maxTopicLength} characters, without control characters");
        }

        int encoded = DeliveryEncoder.MaxTimestampPrefixLength + DeliveryEncoder.GetMaxBodyLength(raw.Length, RawLength(eventValue), RawLength(messageId), RawLength(data));
        if (encoded > _maxMessageBytes)
        {
            return new ApiFailure(
                StatusCodes.Status413PayloadTooLarge,
                "message_too_large",
                $"the message for {path} would be {encoded} bytes; a message may be at most {_maxMessageBytes} bytes (Janus:Limits:MaxFrameBytes)");
        }

        if (items.Count == _maxItems)
        {
            return new ApiFailure(
                StatusCodes.Status422UnprocessableEntity,
                "too_many_messages",
                $"one request may publish at most {_maxItems} messages, counting one per topic (Janus:Api:MaxMessagesPerRequest)");
        }

        items.Add(new PublishItem(new string(name[..length]), topic, eventValue, messageId, data));
        return null;
    }

    /// <summary>The raw JSON bytes of a value, or empty when the value is absent (the encoder writes <c>null</c>).</summary>
    public static ReadOnlySpan<byte> Raw(JsonElement value) =>
        value.ValueKind == JsonValueKind.Undefined ? default : JsonMarshal.GetRawUtf8Value(value);

    private static int RawLength(JsonElement value) => Raw(value).Length;

    private static ApiFailure? CheckUtf8(JsonElement value, string prefix, string name) =>
        Utf8.IsValid(Raw(value)) ? null : Invalid(prefix + name, "is not valid UTF-8");

    private static ApiFailure Invalid(string path, string problem) =>
        new(StatusCodes.Status422UnprocessableEntity, "invalid_field", $"{path} {problem}");
}
