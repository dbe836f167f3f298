namespace Janus.Protocol;

/// <summary>
/// The fixed byte sequences of the Janus TCP protocol, as the 2009 Erlang server and its bot put them on the wire.
/// </summary>
public static class WireBytes
{
    /// <summary>Ends every client-to-server frame.</summary>
    public const byte ClientDelimiter = 0x00;

    /// <summary>Ends every server-to-client message.</summary>
    public const byte ServerDelimiter = 0x01;

    /// <summary>The Flash-era prefix a client may put before its frames; it is itself a NUL-terminated frame.</summary>
    public static ReadOnlySpan<byte> RegularSocket => "<regular-socket/>"u8;

    /// <summary>A Flash player's request for a cross-domain policy.</summary>
    public static ReadOnlySpan<byte> PolicyFileRequest => "<policy-file-request/>"u8;

    /// <summary>Liveness frame; the original bot sends it right after connecting, the server sends it as a heartbeat.</summary>
    public static ReadOnlySpan<byte> Ping => "PING"u8;

    /// <summary>The answer to a heartbeat PING.</summary>
    public static ReadOnlySpan<byte> Pong => "PONG"u8;

    /// <summary>Announces that the JSON body of a publish follows.</summary>
    public static ReadOnlySpan<byte> Publish => "PUBLISH"u8;

    /// <summary>The server's reply to a subscribe.</summary>
    public static ReadOnlySpan<byte> Ack => "ACK"u8;
}
