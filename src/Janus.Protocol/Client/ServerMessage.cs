
namespace Janus.Protocol.Client;

/// <summary>The fields of one parsed server JSON message; value ranges point into the bytes it was parsed from.</summary>
// Fields, not properties: the parser fills them in place (ref and out) while it reads, on the client's hot path.
#pragma warning disable CA1051
public struct ServerMessage
{
    /// <summary>What the message is.</summary>
    public ServerMessageKind Kind;

    /// <summary>Whether <see cref="Timestamp"/> was present and well formed.</summary>
    public bool HasTimestamp;

    /// <summary>The <c>timestamp</c> (greeting and delivery).</summary>
    public ErlangTimestamp Timestamp;

    /// <summary>The <c>topic</c> of a delivery.</summary>
    public string? Topic;

    /// <summary>The <c>event</c> of a delivery: the string, or the raw JSON text of a non-string value.</summary>
    public string? Event;

    /// <summary>The raw <c>message_id</c> value.</summary>
    public JsonValueRange MessageId;

    /// <summary>The raw <c>data</c> value.</summary>
    public JsonValueRange Data;

    /// <summary>The greeting's <c>token</c>.</summary>
    public string? Token;

    /// <summary>The error frame's <c>error</c> code.</summary>
    public string? ErrorCode;

    /// <summary>The <c>reason</c> of an error frame or of a failed resume.</summary>
    public string? ErrorReason;

    /// <summary>Whether the message carried an <c>offset</c> (a delivery to an opted-in client, a <c>subscribed</c> answer).</summary>
    public bool HasOffset;

    /// <summary>The <c>offset</c>.</summary>
    public long Offset;

    /// <summary>The <c>epoch</c>.</summary>
    public string? Epoch;

    /// <summary>The topic named by a <c>subscribed</c> answer.</summary>
    public string? SubscribedTopic;

    /// <summary>The <c>recovered</c> flag, when present.</summary>
    public bool? Recovered;

    /// <summary>The <c>resumed</c> flag, when present.</summary>
    public bool? Resumed;

    /// <summary>The raw <c>hello</c> object of a hello answer.</summary>
    public JsonValueRange Hello;

    /// <summary>The raw <c>topics</c> object of a resume answer (read it with <see cref="ServerMessageParser.ReadTopics"/>).</summary>
    public JsonValueRange Topics;

    /// <summary>The position this message states, if it has an offset and an epoch.</summary>
    public readonly StreamPosition? Position => HasOffset && Epoch is not null ? new StreamPosition(Offset, Epoch) : null;
}
#pragma warning restore CA1051
