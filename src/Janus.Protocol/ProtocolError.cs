namespace Janus.Protocol;

/// <summary>
/// Why a connection is being closed with an error frame. Each has a stable wire code (see <see cref="ProtocolErrors"/>).
/// </summary>
public enum ProtocolError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>A frame that starts like JSON is not valid JSON.</summary>
    InvalidJson,

    /// <summary>Valid JSON, but not an object with a string <c>action</c>.</summary>
    InvalidCommand,

    /// <summary>An <c>action</c> the server does not know.</summary>
    UnknownAction,

    /// <summary>A topic that is missing, not a string, empty, too long, or not a valid name (<see cref="TopicNames"/>).</summary>
    InvalidTopic,

    /// <summary>A publish body without the fields a publish needs.</summary>
    InvalidPublish,

    /// <summary>A frame that is neither a known keyword nor JSON.</summary>
    UnknownFrame,

    /// <summary>Longer than the frame size limit: a TCP frame (or no NUL within it), a PUBLISH body, a WebSocket message.</summary>
    FrameTooLarge,

    /// <summary>The connection may not publish (untrusted address, or publishing is off).</summary>
    PublishForbidden,

    /// <summary>The connection subscribed to more topics than allowed.</summary>
    TooManySubscriptions,

    /// <summary>The client did not read fast enough: its outbound queue passed its bound.</summary>
    SlowConsumer,

    /// <summary>The client stayed silent past the heartbeat timeout.</summary>
    HeartbeatTimeout,

    /// <summary>The server is shutting down.</summary>
    ServerShutdown,

    /// <summary>
    /// A WebSocket frame that breaks RFC 6455: unmasked, reserved bits or opcodes, a bad control frame, or a
    /// continuation that continues nothing.
    /// </summary>
    InvalidWebSocketFrame,

    /// <summary>A binary WebSocket frame: Janus messages are JSON text.</summary>
    BinaryFrame,

    /// <summary>Input that is not valid UTF-8: a WebSocket text message, or a TCP JSON frame or <c>PUBLISH</c> body.</summary>
    InvalidUtf8,

    /// <summary>Another connection resumed this connection's session; this one is closed.</summary>
    SessionTaken,

    /// <summary>A <c>resume</c> after the connection subscribed, without a string token, or with bad <c>positions</c>.</summary>
    InvalidResume,

    /// <summary>A <c>since</c> position that is not <c>{"offset":N,"epoch":"E"}</c>.</summary>
    InvalidPosition,

    /// <summary>The server holds as many connections as it allows (<c>Janus:Limits:MaxConnections</c>).</summary>
    TooManyConnections,

    /// <summary>The client's address holds as many connections as one address may (<c>MaxConnectionsPerAddress</c>).</summary>
    TooManyConnectionsFromAddress,

    /// <summary>The client's address opened connections faster than allowed (<c>NewConnectionsPerSecondPerAddress</c>).</summary>
    ConnectionRateLimited,

    /// <summary>A subscribe would create a topic while the server holds as many topics as it allows (<c>MaxTopics</c>).</summary>
    TooManyTopics,

    /// <summary>A frame (or a fragmented WebSocket message) was started and not finished within <c>FrameTimeout</c>.</summary>
    FrameTimeout,

    /// <summary>The connection published faster than allowed (<c>PublishesPerSecondPerConnection</c>).</summary>
    PublishRateLimited,

    /// <summary>
    /// A subscribe to a protected topic without a token that allows it. Sent as a topic error (with <c>topic</c>); the
    /// connection stays open.
    /// </summary>
    Unauthorized,

    /// <summary>A <c>hello</c> or <c>auth</c> token that does not validate; the connection is closed.</summary>
    InvalidToken,

    /// <summary>
    /// The connection's token expired: each protected subscription ends with this topic error (the connection and its
    /// public subscriptions stay).
    /// </summary>
    TokenExpired,
}
