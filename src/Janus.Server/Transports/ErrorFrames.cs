using Janus.Protocol;
using Janus.Server.Fanout;

namespace Janus.Server.Transports;

/// <summary>The error frame for each <see cref="ProtocolError"/>, encoded once for the life of the process.</summary>
internal static class ErrorFrames
{
    private static readonly OutboundMessage[] Frames = Build();

    public static OutboundMessage Get(ProtocolError error) => Frames[(int)error];

    private static OutboundMessage[] Build()
    {
        var frames = new OutboundMessage[ProtocolErrors.Count];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = OutboundMessage.FromPayload(ProtocolErrors.EncodeJson((ProtocolError)i));
        }

        return frames;
    }
}
