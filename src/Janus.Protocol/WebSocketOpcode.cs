namespace Janus.Protocol;

/// <summary>The RFC 6455 frame opcodes.</summary>
public static class WebSocketOpcode
{
    /// <summary>A further fragment of the message in progress.</summary>
    public const byte Continuation = 0x0;

    /// <summary>A text (UTF-8) message.</summary>
    public const byte Text = 0x1;

    /// <summary>A binary message.</summary>
    public const byte Binary = 0x2;

    /// <summary>The closing handshake.</summary>
    public const byte Close = 0x8;

    /// <summary>A ping; the peer answers with a pong carrying the same payload.</summary>
    public const byte Ping = 0x9;

    /// <summary>A pong.</summary>
    public const byte Pong = 0xA;

    /// <summary>Whether the opcode is one of the control frames (close, ping, pong).</summary>
    public static bool IsControl(byte opcode) => (opcode & 0x8) != 0;

    /// <summary>Whether RFC 6455 defines the opcode (the others are reserved and fail the connection).</summary>
    public static bool IsDefined(byte opcode) => opcode is Continuation or Text or Binary or Close or Ping or Pong;
}
