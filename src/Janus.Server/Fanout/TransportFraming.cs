namespace Janus.Server.Fanout;

/// <summary>How a transport frames a message on the wire; an <see cref="OutboundMessage"/> holds one view per framing.</summary>
public enum TransportFraming
{
    /// <summary>The original protocol: the JSON followed by 0x01.</summary>
    Tcp,

    /// <summary>An RFC 6455 text frame holding the JSON.</summary>
    WebSocket,
}
