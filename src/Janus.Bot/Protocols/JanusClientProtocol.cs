using System.Text;
using Janus.Protocol;

namespace Janus.Bot.Protocols;

/// <summary>
/// The Janus TCP protocol from the client side, as the original flashbot spoke it: frames out end with NUL and carry
/// the <c>&lt;regular-socket/&gt;</c> prefix; messages in end with 0x01.
/// </summary>
internal sealed class JanusClientProtocol : ClientProtocol
{
    public static readonly JanusClientProtocol Instance = new();

    private static readonly byte[] PongFrame = Frame("PONG");

    public override bool WaitsForGreeting => true;

    public override byte[] Pong => PongFrame;

    public override byte[] Hello(string topic) => Frame("PING");

    public override byte[] Subscribe(string topic) => Frame("{\"action\":\"subscribe\",\"data\":" + TestMessage.Quote(topic) + "}");

    /// <summary>
    /// A publish as the original bot wrote it: prefix, <c>PUBLISH</c>, NUL, then the JSON with no NUL after it (the
    /// publisher closes right after).
    /// </summary>
    public static byte[] Publish(string topic)
    {
        byte[] body = TestMessage.PublishBody(topic);
        byte[] head = Encoding.ASCII.GetBytes("<regular-socket/>\0PUBLISH\0");
        return [.. head, .. body];
    }

    public override ServerMessageKind Read(ReadOnlySpan<byte> data, out int consumed, out int payloadStart, out int payloadLength)
    {
        int end = data.IndexOf(WireBytes.ServerDelimiter);
        payloadStart = 0;
        if (end < 0)
        {
            consumed = 0;
            payloadLength = 0;
            return ServerMessageKind.Incomplete;
        }

        consumed = end + 1;
        payloadLength = end;
        ReadOnlySpan<byte> message = data[..end];
        if (message.IsEmpty)
        {
            return ServerMessageKind.Other;
        }

        if (message[0] == (byte)'{')
        {
            return message.StartsWith("{\"error\""u8) ? ServerMessageKind.Error : ServerMessageKind.Json;
        }

        if (message.SequenceEqual(WireBytes.Ack))
        {
            return ServerMessageKind.Subscribed;
        }

        return message.SequenceEqual(WireBytes.Ping) ? ServerMessageKind.Ping : ServerMessageKind.Other;
    }

    private static byte[] Frame(string frame) => Encoding.UTF8.GetBytes("<regular-socket/>\0" + frame + "\0");
}
