using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Bot.Protocols;

/// <summary>
/// The Janus protocol over WebSocket (the HTTP port's <c>/ws</c>), raw RFC 6455 from the client side: the upgrade
/// request as the hello, masked client text frames carrying the same JSON commands as the TCP protocol (without its
/// NUL), and the server's unmasked text frames cut here and classified by Janus.Protocol's <see cref="ServerFrames"/>
/// (the frame header is its <see cref="WebSocketFrameHeader"/>, the masking its <see cref="WebSocketMask"/>).
/// </summary>
/// <remarks>
/// Stateless, like the other protocols: the <c>101</c> answer is told from a frame by its first byte (<c>H</c> of
/// <c>HTTP/1.1</c>; a server frame starts with <c>0x81</c> or another FIN + opcode byte), so the head and the
/// greeting may arrive in one read. Any other status is a refusal (<see cref="ServerFrameKind.Error"/>, its status
/// line the payload); so is a close frame that names an error.
/// </remarks>
internal sealed class WebSocketClientProtocol : ClientProtocol
{
    public static readonly WebSocketClientProtocol Instance = new();

    // The key is only a handshake check: every client may send the same one.
    private static readonly byte[] UpgradeRequest = Encoding.ASCII.GetBytes(
        "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    private static readonly byte[] PongFrame = TextFrame("PONG"u8);

    public override bool WaitsForGreeting => true;

    public override byte[] Pong => PongFrame;

    public override byte[] Hello(string topic) => UpgradeRequest;

    public override byte[] Subscribe(string topic) => Command(new TopicFrame(subscribe: true, topic));

    /// <summary>A command as one masked text frame: the JSON Janus.Protocol writes, without the TCP protocol's NUL.</summary>
    public static byte[] Command<TFrame>(in TFrame frame)
        where TFrame : IClientFrame
    {
        byte[] encoded = CommandWriter.Encode(frame);
        return TextFrame(encoded.AsSpan(0, encoded[^1] == 0 ? encoded.Length - 1 : encoded.Length));
    }

    /// <summary>A final, masked text frame around <paramref name="payload"/> (RFC 6455 §5.3: every client frame is masked).</summary>
    public static byte[] TextFrame(ReadOnlySpan<byte> payload)
    {
        int headerLength = WebSocketFraming.HeaderLength(payload.Length);
        byte[] frame = new byte[headerLength + 4 + payload.Length];
        WebSocketFraming.WriteTextHeader(frame, payload.Length);
        frame[1] |= 0x80;
        uint key = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(headerLength), key);
        WebSocketMask.Unmask(payload, frame.AsSpan(headerLength + 4), key, 0);
        return frame;
    }

    public override OperationStatus Read(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength)
    {
        consumed = 0;
        kind = ServerFrameKind.Empty;
        payloadStart = 0;
        payloadLength = 0;
        if (data.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        if (data[0] == (byte)'H')
        {
            return ReadResponseHead(data, out consumed, out kind, out payloadLength);
        }

        if (!WebSocketFrameHeader.TryRead(data, out WebSocketFrameHeader header))
        {
            return OperationStatus.NeedMoreData;
        }

        // A server never masks, never sets reserved bits Janus did not negotiate, and never sends a frame this long.
        if (header.Masked || header.Reserved != 0 || header.PayloadLength > int.MaxValue - WebSocketFrameHeader.MaxLength)
        {
            return OperationStatus.InvalidData;
        }

        int length = header.Length + (int)header.PayloadLength;
        if (data.Length < length)
        {
            return OperationStatus.NeedMoreData;
        }

        consumed = length;
        payloadStart = header.Length;
        payloadLength = (int)header.PayloadLength;
        ReadOnlySpan<byte> payload = data.Slice(payloadStart, payloadLength);
        switch (header.Opcode)
        {
            case WebSocketOpcode.Text when header.Fin:
                kind = ServerFrames.Classify(payload);
                return OperationStatus.Done;
            case WebSocketOpcode.Close:
                // The code, then the reason: an error code names a refusal or a cut; a bare close is an ordinary end.
                kind = payloadLength > 2 ? ServerFrameKind.Error : ServerFrameKind.Empty;
                payloadStart += Math.Min(2, payloadLength);
                payloadLength = Math.Max(0, payloadLength - 2);
                return OperationStatus.Done;
            case WebSocketOpcode.Ping or WebSocketOpcode.Pong:
                // Janus's heartbeat is its own PING text; a WebSocket ping is not answered (nor sent by Janus).
                return OperationStatus.Done;
            default:
                // Janus sends every message as one final text frame.
                return OperationStatus.InvalidData;
        }
    }

    private static OperationStatus ReadResponseHead(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadLength)
    {
        consumed = 0;
        kind = ServerFrameKind.Empty;
        payloadLength = 0;
        int end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return data.StartsWith("HTTP/"u8[..Math.Min(5, data.Length)]) ? OperationStatus.NeedMoreData : OperationStatus.InvalidData;
        }

        consumed = end + 4;
        if (!data.StartsWith("HTTP/1.1 101 "u8))
        {
            // Refused (503, 429, 403, …): the status line is the reason; the JSON body follows and is not read.
            kind = ServerFrameKind.Error;
            payloadLength = data.IndexOf("\r\n"u8);
        }

        return OperationStatus.Done;
    }
}
