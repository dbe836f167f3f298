using System.Buffers;

namespace Janus.Protocol.Client;

/// <summary>
/// Splits the server's byte stream into messages on 0x01 (no prefix, no length) and tells what each message is from
/// its first bytes. Nothing here allocates: a load generator (janus-bot) runs it for every message of 19,000 clients.
/// </summary>
public static class ServerFrames
{
    private static ReadOnlySpan<byte> ErrorStart => "{\"error\""u8;

    private static ReadOnlySpan<byte> SubscribedStart => "{\"subscribed\""u8;

    private static ReadOnlySpan<byte> ResumedStart => "{\"resumed\""u8;

    private static ReadOnlySpan<byte> HelloStart => "{\"hello\""u8;

    private static ReadOnlySpan<byte> TokenAfterTimestamp => ",\"token\""u8;

    /// <summary>
    /// Takes the next complete message (without its 0x01) off the front of <paramref name="buffer"/>; false when no
    /// delimiter is in the buffer yet.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message) =>
        DelimitedFrames.TryRead(ref buffer, WireBytes.ServerDelimiter, out message);

    /// <summary>
    /// The message (without its 0x01) at the start of <paramref name="data"/> and how many bytes it takes with its
    /// delimiter; false when no delimiter is in <paramref name="data"/> yet.
    /// </summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> message, out int consumed) =>
        DelimitedFrames.TryRead(data, WireBytes.ServerDelimiter, out message, out consumed);

    /// <summary>
    /// What <paramref name="message"/> (without its 0x01) is, from its first bytes: the keywords whole, a JSON object
    /// by the key Janus writes first (<c>timestamp</c>, then <c>token</c> for the greeting and <c>topic</c> for a
    /// delivery; <c>error</c>, <c>subscribed</c>, <c>resumed</c>, <c>hello</c> for the answers). No JSON is parsed:
    /// a reader that needs the fields reads them afterwards (<see cref="ServerMessageFields"/> in place,
    /// <see cref="ServerMessageParser"/> into a <see cref="ServerMessage"/>), and one that must accept any key order
    /// parses a <see cref="ServerFrameKind.OtherJson"/> with <see cref="ServerMessageParser"/>.
    /// </summary>
    public static ServerFrameKind Classify(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            return ServerFrameKind.Empty;
        }

        if (message[0] == (byte)'{')
        {
            if (message.StartsWith(ServerMessageParser.DeliveryStart))
            {
                // The greeting's second key is the token; a delivery's is the topic. Both follow the timestamp array.
                int close = message.IndexOf((byte)']');
                return close >= 0 && message[(close + 1)..].StartsWith(TokenAfterTimestamp) ? ServerFrameKind.Greeting : ServerFrameKind.Delivery;
            }

            return message.StartsWith(ErrorStart) ? ServerFrameKind.Error
                : message.StartsWith(SubscribedStart) ? ServerFrameKind.Subscribed
                : message.StartsWith(ResumedStart) ? ServerFrameKind.Resumed
                : message.StartsWith(HelloStart) ? ServerFrameKind.Hello
                : ServerFrameKind.OtherJson;
        }

        return message.SequenceEqual(WireBytes.Ack) ? ServerFrameKind.Ack
            : message.SequenceEqual(WireBytes.Ping) ? ServerFrameKind.Ping
            : ServerFrameKind.Unknown;
    }
}
