using System.Buffers;
using Janus.Protocol.Client;

namespace Janus.Bot.Protocols;

/// <summary>
/// The Janus TCP protocol from the client side, as the original flashbot spoke it: every frame after the
/// <c>&lt;regular-socket/&gt;</c> prefix. Only an adapter: the frames are written by Janus.Protocol's
/// <see cref="CommandWriter"/> and the server's messages cut and classified by its <see cref="ServerFrames"/>, the
/// code Janus.Client uses.
/// </summary>
internal sealed class JanusClientProtocol : ClientProtocol
{
    public static readonly JanusClientProtocol Instance = new();

    private static readonly byte[] PingFrame = Frame(new KeywordFrame(KeywordFrame.Keyword.Ping));
    private static readonly byte[] PongFrame = Frame(new KeywordFrame(KeywordFrame.Keyword.Pong));

    public override bool WaitsForGreeting => true;

    public override byte[] Pong => PongFrame;

    public override byte[] Hello(string topic) => PingFrame;

    public override byte[] Subscribe(string topic) => Frame(new TopicFrame(subscribe: true, topic));

    /// <summary>
    /// A publish as the original bot wrote it: prefix, <c>PUBLISH</c>, NUL, then the JSON with no NUL after it (the
    /// publisher closes right after).
    /// </summary>
    public static byte[] Publish(string topic) =>
        Frame(new PublishFrame<RawJsonData>(keyword: true, topic, TestMessage.Event, messageId: string.Empty, new RawJsonData(TestMessage.DataJson)));

    /// <summary>A frame as the bot sends it: after the prefix, built once and sent by every client.</summary>
    public static byte[] Frame<TFrame>(in TFrame frame)
        where TFrame : IClientFrame =>
        CommandWriter.Encode(frame, regularSocketPrefix: true);

    public override OperationStatus Read(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength)
    {
        payloadStart = 0;
        if (!ServerFrames.TryReadMessage(data, out ReadOnlySpan<byte> message, out consumed))
        {
            kind = default;
            payloadLength = 0;
            return OperationStatus.NeedMoreData;
        }

        kind = ServerFrames.Classify(message);
        payloadLength = message.Length;
        return OperationStatus.Done;
    }
}
