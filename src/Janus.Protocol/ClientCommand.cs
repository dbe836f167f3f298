namespace Janus.Protocol;

/// <summary>
/// A parsed client command. Value ranges point into the frame it was parsed from; the topic lives in the caller's
/// character buffer so that looking up an existing topic allocates nothing.
/// </summary>
public readonly ref struct ClientCommand
{
    /// <summary>Creates a parsed command.</summary>
    public ClientCommand(ClientAction action, ReadOnlySpan<char> topic, JsonValueRange topicJson, JsonValueRange eventValue, JsonValueRange messageId, JsonValueRange data)
    {
        Action = action;
        Topic = topic;
        TopicJson = topicJson;
        Event = eventValue;
        MessageId = messageId;
        Data = data;
    }

    /// <summary>What the client asks for.</summary>
    public ClientAction Action { get; }

    /// <summary>The topic, unescaped.</summary>
    public ReadOnlySpan<char> Topic { get; }

    /// <summary>The topic as the client wrote it (a JSON string with quotes), re-used verbatim in deliveries.</summary>
    public JsonValueRange TopicJson { get; }

    /// <summary>The publish's <c>event</c> value, if any.</summary>
    public JsonValueRange Event { get; }

    /// <summary>The publish's <c>message_id</c> value, if any.</summary>
    public JsonValueRange MessageId { get; }

    /// <summary>The publish's <c>data</c> value, if any (for subscribe/unsubscribe the topic is in <see cref="Topic"/>).</summary>
    public JsonValueRange Data { get; }
}
