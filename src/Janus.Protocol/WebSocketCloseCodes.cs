namespace Janus.Protocol;

/// <summary>RFC 6455 close status codes, and the one Janus sends for each <see cref="ProtocolError"/>.</summary>
public static class WebSocketCloseCodes
{
    /// <summary>An ordinary close.</summary>
    public const ushort Normal = 1000;

    /// <summary>The server is going away (shutting down).</summary>
    public const ushort GoingAway = 1001;

    /// <summary>The peer broke the WebSocket protocol.</summary>
    public const ushort ProtocolError = 1002;

    /// <summary>A data type the endpoint does not accept (binary frames here).</summary>
    public const ushort UnsupportedData = 1003;

    /// <summary>A text message that is not valid UTF-8.</summary>
    public const ushort InvalidPayload = 1007;

    /// <summary>A message against the endpoint's policy: bad JSON, unknown action, forbidden publish, slow consumer...</summary>
    public const ushort PolicyViolation = 1008;

    /// <summary>A message larger than the endpoint accepts.</summary>
    public const ushort MessageTooBig = 1009;

    /// <summary>The close code Janus sends when it closes for <paramref name="error"/>.</summary>
    public static ushort ForError(ProtocolError error) => error switch
    {
        Protocol.ProtocolError.None => Normal,
        Protocol.ProtocolError.ServerShutdown => GoingAway,
        Protocol.ProtocolError.InvalidWebSocketFrame => ProtocolError,
        Protocol.ProtocolError.BinaryFrame => UnsupportedData,
        Protocol.ProtocolError.InvalidUtf8 => InvalidPayload,
        Protocol.ProtocolError.FrameTooLarge => MessageTooBig,
        _ => PolicyViolation,
    };

    /// <summary>Whether a peer may send <paramref name="code"/> in a close frame (RFC 6455 section 7.4).</summary>
    public static bool IsValidReceived(ushort code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
