namespace Janus.Protocol;

/// <summary>Which wire a client speaks, where an error's reason differs between them (<see cref="ProtocolErrors.Reason(ProtocolError, WireTransport)"/>).</summary>
public enum WireTransport
{
    /// <summary>The original protocol: NUL-delimited frames in, 0x01-terminated messages out.</summary>
    Tcp,

    /// <summary>RFC 6455 text messages.</summary>
    WebSocket,
}
