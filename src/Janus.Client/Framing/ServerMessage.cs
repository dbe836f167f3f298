using Janus.Protocol;

namespace Janus.Client.Framing;

/// <summary>The fields of one parsed server JSON message; value ranges point into the bytes it was parsed from.</summary>
internal struct ServerMessage
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

    /// <summary>The error frame's <c>reason</c>.</summary>
    public string? ErrorReason;
}
