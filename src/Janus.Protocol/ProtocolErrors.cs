namespace Janus.Protocol;

/// <summary>Wire codes and human reasons for <see cref="ProtocolError"/>, and the error frame that carries them.</summary>
public static class ProtocolErrors
{
    private static readonly string[] Codes =
    [
        "none",
        "invalid_json",
        "invalid_command",
        "unknown_action",
        "invalid_topic",
        "invalid_publish",
        "unknown_frame",
        "frame_too_large",
        "publish_forbidden",
        "too_many_subscriptions",
        "slow_consumer",
        "heartbeat_timeout",
        "server_shutdown",
        "invalid_websocket_frame",
        "binary_frame",
        "invalid_utf8",
        "session_taken",
        "invalid_resume",
        "invalid_position",
        "too_many_connections",
        "too_many_connections_from_address",
        "connection_rate_limited",
        "too_many_topics",
        "frame_timeout",
        "publish_rate_limited",
        "unauthorized",
        "invalid_token",
        "token_expired",
    ];

    private static readonly string[] Reasons =
    [
        "no error",
        "the frame is not valid JSON",
        "a JSON frame must be an object with a string \"action\"",
        "the action is not one of subscribe, unsubscribe, publish, hello, auth, resume, bye",
        "the topic must be a non-empty string within the length limit, without control characters",
        "a publish needs a string \"topic\" and a JSON body that is one object",
        "the frame is neither a known keyword nor a JSON object",
        "the frame is longer than the frame size limit",
        "this connection may not publish",
        "too many subscriptions on one connection",
        "the client did not read its messages fast enough",
        "the client stayed silent past the heartbeat timeout",
        "the server is shutting down",
        "the WebSocket frame breaks RFC 6455 (unmasked, reserved bits or opcode, bad control frame or continuation)",
        "binary WebSocket frames are not accepted: send JSON in text frames",
        "the message is not valid UTF-8",
        "another connection resumed this session",
        "resume needs a string token and an object of positions, before any subscribe",
        "a position is an object {\"offset\":N,\"epoch\":\"E\"} with N >= 0 and an epoch of at most 32 characters",
        "the server holds as many connections as it allows; try again later",
        "this address holds as many connections as one address may",
        "this address opened connections too fast; try again later",
        "the server holds as many topics as it allows; no new topic can be created",
        "a frame was started and not finished within the frame timeout",
        "this connection published faster than allowed",
        "the topic is protected: the connection's token does not allow it (or there is none)",
        "the token is not a valid signed JWT for this server (signature, issuer, audience, expiry, subject or topics claim)",
        "the connection's token expired: protected subscriptions end unless a fresh token is sent",
    ];

    // Where the general reason above would leave a client guessing what was wrong with which bytes: the words of its
    // own wire. A reason names only the transport it is sent on (a TCP client was once told about a "WebSocket text
    // message").
    private static readonly (ProtocolError Error, string Tcp, string WebSocket)[] TransportReasons =
    [
        (ProtocolError.FrameTooLarge, "no NUL delimiter within the frame size limit, or a frame or PUBLISH body longer than it", "the WebSocket message (all its fragments together) is longer than the frame size limit"),
        (ProtocolError.InvalidUtf8, "the JSON frame or PUBLISH body is not valid UTF-8", "the WebSocket text message is not valid UTF-8"),
    ];

    /// <summary>The number of distinct errors, for per-code counters.</summary>
    public static int Count => Codes.Length;

    /// <summary>The stable wire code, e.g. <c>invalid_json</c>.</summary>
    public static string Code(ProtocolError error) => Codes[(int)error];

    /// <summary>A short human explanation, in words that fit every transport.</summary>
    public static string Reason(ProtocolError error) => Reasons[(int)error];

    /// <summary>A short human explanation in the words of <paramref name="transport"/>'s wire.</summary>
    public static string Reason(ProtocolError error, WireTransport transport)
    {
        foreach ((ProtocolError Error, string Tcp, string WebSocket) specific in TransportReasons)
        {
            if (specific.Error == error)
            {
                return transport == WireTransport.WebSocket ? specific.WebSocket : specific.Tcp;
            }
        }

        return Reason(error);
    }

    /// <summary>
    /// The JSON object <c>{"error":"code","reason":"text"}</c> without any framing. Codes and reasons are plain ASCII
    /// without characters that need escaping, so no encoder is involved.
    /// </summary>
    public static byte[] EncodeJson(ProtocolError error) => Encode(error, Reason(error));

    /// <summary>The error frame's JSON with the reason in the words of <paramref name="transport"/>'s wire.</summary>
    public static byte[] EncodeJson(ProtocolError error, WireTransport transport) => Encode(error, Reason(error, transport));

    private static byte[] Encode(ProtocolError error, string reason) =>
        System.Text.Encoding.UTF8.GetBytes("{\"error\":\"" + Code(error) + "\",\"reason\":\"" + reason.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"}");

    /// <summary>
    /// A topic error, <c>{"error":"code","reason":"text","topic":T}</c>: unlike the other error frames it concerns one
    /// topic only and the connection stays open (a refused or ended protected subscription). Not the hot path.
    /// </summary>
    public static byte[] EncodeTopicJson(ProtocolError error, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128 + (topic.Length * 2));
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, Code(error));
            writer.WriteString("reason"u8, Reason(error));
            writer.WriteString("topic"u8, topic);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Finds the error whose wire code is <paramref name="code"/>.</summary>
    public static bool TryParseCode(string code, out ProtocolError error)
    {
        for (int i = 0; i < Codes.Length; i++)
        {
            if (string.Equals(Codes[i], code, StringComparison.Ordinal))
            {
                error = (ProtocolError)i;
                return true;
            }
        }

        error = ProtocolError.None;
        return false;
    }
}
