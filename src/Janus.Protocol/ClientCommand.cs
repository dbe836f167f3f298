namespace Janus.Protocol;

/// <summary>
/// A parsed client command. Value ranges point into the frame it was parsed from; the topic lives in the caller's
/// character buffer so that looking up an existing topic allocates nothing.
/// </summary>
public readonly ref struct ClientCommand
{
    /// <summary>Creates a parsed command.</summary>
    public ClientCommand(ClientAction action, ReadOnlySpan<char> topic, JsonValueRange topicJson, JsonValueRange eventValue, JsonValueRange messageId, JsonValueRange data)
        : this(action, topic, topicJson, eventValue, messageId, data, default, default)
    {
    }

    /// <summary>Creates a parsed command with the session keys (<c>since</c> of a subscribe, <c>positions</c> of a resume).</summary>
    public ClientCommand(ClientAction action, ReadOnlySpan<char> topic, JsonValueRange topicJson, JsonValueRange eventValue, JsonValueRange messageId, JsonValueRange data, JsonValueRange since, JsonValueRange positions)
    {
        Since = since;
        Positions = positions;
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

    /// <summary>
    /// The publish's <c>data</c> value, if any (for subscribe/unsubscribe the topic is in <see cref="Topic"/>); for a
    /// resume, the token (a JSON string); for hello, its options object.
    /// </summary>
    public JsonValueRange Data { get; }

    /// <summary>A subscribe's <c>since</c> position (an object), if any; see <see cref="StreamPosition.TryParse"/>.</summary>
    public JsonValueRange Since { get; }

    /// <summary>
    /// The <c>token</c> of a <c>hello</c> or <c>auth</c> (a JSON string holding a JWT), if any. Never logged.
    /// </summary>
    public JsonValueRange Token { get; init; }

    /// <summary>A resume's <c>positions</c> (an object of positions by topic), if any.</summary>
    public JsonValueRange Positions { get; }
}
