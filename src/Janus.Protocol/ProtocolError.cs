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

    /// <summary>A topic that is missing, not a string, empty or too long.</summary>
    InvalidTopic,

    /// <summary>A publish body without the fields a publish needs.</summary>
    InvalidPublish,

    /// <summary>A frame that is neither a known keyword nor JSON.</summary>
    UnknownFrame,

    /// <summary>No frame delimiter within the frame size limit.</summary>
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

    /// <summary>A WebSocket text message that is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>Another connection resumed this connection's session; this one is closed.</summary>
    SessionTaken,

    /// <summary>A <c>resume</c> after the connection subscribed, without a string token, or with bad <c>positions</c>.</summary>
    InvalidResume,

    /// <summary>A <c>since</c> position that is not <c>{"offset":N,"epoch":"E"}</c>.</summary>
    InvalidPosition,

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
