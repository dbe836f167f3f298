using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Janus.Protocol.Client;

namespace Janus.Bot.Protocols;

/// <summary>
/// Just enough RESP2 to measure Redis pub/sub the way the bot measures Janus: SUBSCRIBE, its reply, and pushed
/// <c>message</c> arrays whose payload is the same timestamped JSON a Janus subscriber gets.
/// </summary>
internal sealed class RedisClientProtocol : ClientProtocol
{
    public static readonly RedisClientProtocol Instance = new();

    private static readonly byte[] PingCommand = Command("PING");

    public override bool WaitsForGreeting => false;

    // Redis never pings a subscriber; this is only here to satisfy the contract.
    public override byte[] Pong => PingCommand;

    public override byte[] Hello(string topic) => Command("SUBSCRIBE", topic);

    public override byte[] Subscribe(string topic) => Command("SUBSCRIBE", topic);

    /// <summary>A RESP command: an array of bulk strings.</summary>
    public static byte[] Command(params string[] parts)
    {
        var text = new StringBuilder();
        text.Append('*').Append(parts.Length).Append("\r\n");
        foreach (string part in parts)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Writes <c>PUBLISH channel payload</c> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int WritePublish(Span<byte> destination, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> payload)
    {
        int pos = 0;
        pos += Copy("*3\r\n$7\r\nPUBLISH\r\n$"u8, destination);
        pos += WriteLength(destination[pos..], channel.Length);
        pos += Copy(channel, destination[pos..]);
        pos += Copy("\r\n$"u8, destination[pos..]);
        pos += WriteLength(destination[pos..], payload.Length);
        pos += Copy(payload, destination[pos..]);
        pos += Copy("\r\n"u8, destination[pos..]);
        return pos;
    }

    /// <summary>
    /// Reads one RESP reply: a pushed <c>message</c> is a <see cref="ServerFrameKind.Delivery"/> (its payload the
    /// published JSON), the <c>subscribe</c> reply an <see cref="ServerFrameKind.Ack"/> (as Janus's ACK), an error
    /// line an <see cref="ServerFrameKind.Error"/>, anything else <see cref="ServerFrameKind.Unknown"/>.
    /// </summary>
    public override OperationStatus Read(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength)
    {
        consumed = 0;
        kind = ServerFrameKind.Unknown;
        payloadStart = 0;
        payloadLength = 0;
        if (data.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        switch (data[0])
        {
            case (byte)'*':
                return ReadArray(data, out consumed, out kind, out payloadStart, out payloadLength);
            case (byte)'-':
            case (byte)'+':
            case (byte)':':
            {
                int line = data.IndexOf("\r\n"u8);
                if (line < 0)
                {
                    return OperationStatus.NeedMoreData;
                }

                consumed = line + 2;
                payloadStart = 1;
                payloadLength = line - 1;
                kind = data[0] == (byte)'-' ? ServerFrameKind.Error : ServerFrameKind.Unknown;
                return OperationStatus.Done;
            }

            default:
                return OperationStatus.InvalidData;
        }
    }

    private static OperationStatus ReadArray(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength)
    {
        consumed = 0;
        kind = ServerFrameKind.Unknown;
        payloadStart = 0;
        payloadLength = 0;
        int pos = 1;
        OperationStatus header = ReadNumberLine(data, ref pos, out long count);
        if (header != OperationStatus.Done)
        {
            return header;
        }

        for (long element = 0; element < count; element++)
        {
            if (pos >= data.Length)
            {
                return OperationStatus.NeedMoreData;
            }

            byte type = data[pos++];
            OperationStatus line = ReadNumberLine(data, ref pos, out long value);
            if (line != OperationStatus.Done)
            {
                return line;
            }

            if (type == (byte)':')
            {
                continue;
            }

            if (type != (byte)'$' || value < 0)
            {
                return OperationStatus.InvalidData;
            }

            if (data.Length - pos < value + 2)
            {
                return OperationStatus.NeedMoreData;
            }

            ReadOnlySpan<byte> bulk = data.Slice(pos, (int)value);
            if (element == 0)
            {
                kind = bulk.SequenceEqual("message"u8) ? ServerFrameKind.Delivery
                    : bulk.SequenceEqual("subscribe"u8) ? ServerFrameKind.Ack
                    : ServerFrameKind.Unknown;
            }
            else if (element == 2 && kind == ServerFrameKind.Delivery)
            {
                payloadStart = pos;
                payloadLength = (int)value;
            }

            pos += (int)value + 2;
        }

        consumed = pos;
        return OperationStatus.Done;
    }

    /// <summary>Reads a decimal number ended by CRLF at <paramref name="pos"/>.</summary>
    private static OperationStatus ReadNumberLine(ReadOnlySpan<byte> data, ref int pos, out long value)
    {
        value = 0;
        int line = data[pos..].IndexOf("\r\n"u8);
        if (line < 0)
        {
            return OperationStatus.NeedMoreData;
        }

        if (!Utf8Parser.TryParse(data.Slice(pos, line), out value, out int used) || used != line)
        {
            return OperationStatus.InvalidData;
        }

        pos += line + 2;
        return OperationStatus.Done;
    }

    private static int WriteLength(Span<byte> destination, int length)
    {
        Utf8Formatter.TryFormat(length, destination, out int written);
        Copy("\r\n"u8, destination[written..]);
        return written + 2;
    }
}
