using Janus.Protocol;
using Janus.Server.Fanout;

namespace Janus.Server.Transports;

/// <summary>
/// The error frame for each <see cref="ProtocolError"/> and transport, encoded once for the life of the process. The
/// reason is in the words of the transport it is sent on (<see cref="ProtocolErrors.Reason(ProtocolError, WireTransport)"/>).
/// </summary>
internal static class ErrorFrames
{
    private static readonly OutboundMessage[] TcpFrames = Build(WireTransport.Tcp);
    private static readonly OutboundMessage[] WebSocketFrames = Build(WireTransport.WebSocket);

    public static OutboundMessage Get(ProtocolError error, TransportFraming framing) =>
        (framing == TransportFraming.WebSocket ? WebSocketFrames : TcpFrames)[(int)error];

    private static OutboundMessage[] Build(WireTransport transport)
    {
        var frames = new OutboundMessage[ProtocolErrors.Count];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = OutboundMessage.FromPayload(ProtocolErrors.EncodeJson((ProtocolError)i, transport));
        }

        return frames;
    }
}
