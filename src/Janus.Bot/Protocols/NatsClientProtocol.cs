using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Janus.Protocol.Client;

namespace Janus.Bot.Protocols;

/// <summary>
/// Just enough of the NATS client protocol, written by hand as the Redis adapter is, to measure core NATS pub/sub the
/// way the bot measures Janus: the server's <c>INFO</c> is the greeting; on it the client sends <c>CONNECT</c>,
/// <c>SUB</c> and <c>PING</c>, and the <c>PONG</c> is the subscribe's acknowledgement (the server answers a
/// <c>PING</c> only after everything before it is processed, so the subscription is in place); pushed <c>MSG</c>s
/// carry the same timestamped JSON a Janus subscriber gets. The server's heartbeat <c>PING</c> is answered with
/// <c>PONG</c> by the receive loop.
/// </summary>
/// <remarks>
/// The protocol: https://docs.nats.io/reference/reference-protocols/nats-protocol. Operation names are
/// case-insensitive and arguments are separated by spaces or tabs. A standalone server sends <c>INFO</c> once; a
/// later one (a cluster's topology changing) would reach a subscribed client as an unreadable delivery and be counted
/// as an error, which a single <c>nats-server</c> never does.
/// </remarks>
internal sealed class NatsClientProtocol : ClientProtocol
{
    public static readonly NatsClientProtocol Instance = new();

    /// <summary>
    /// verbose off: no <c>+OK</c> after every operation (the Redis and Janus clients get no such echo either);
    /// pedantic off: no extra checks on subjects. headers off: deliveries come as <c>MSG</c>, never <c>HMSG</c>.
    /// </summary>
    public static readonly byte[] ConnectCommand =
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,\"name\":\"janus-bot\",\"lang\":\"dotnet\",\"version\":\"1.0\",\"protocol\":1,\"headers\":false,\"no_responders\":false}\r\n"u8.ToArray();

    /// <summary>The longest control line accepted (the server's own default <c>max_control_line</c> is 4 KiB).</summary>
    private const int MaxControlLine = 64 * 1024;

    private static readonly byte[] PongCommand = "PONG\r\n"u8.ToArray();

    public override bool WaitsForGreeting => true;

    public override byte[] Pong => PongCommand;

    /// <summary>Nothing: a NATS client waits for the server's <c>INFO</c> before it says anything.</summary>
    public override byte[] Hello(string topic) => [];

    /// <summary><c>CONNECT</c>, <c>SUB topic 1</c> and <c>PING</c>, in one write, sent on the <c>INFO</c>.</summary>
    public override byte[] Subscribe(string topic) =>
        [.. ConnectCommand, .. Encoding.UTF8.GetBytes($"SUB {topic} 1\r\n"), .. "PING\r\n"u8];

    /// <summary>Writes <c>PUB subject #bytes␍␊payload␍␊</c> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int WritePublish(Span<byte> destination, ReadOnlySpan<byte> subject, ReadOnlySpan<byte> payload)
    {
        int pos = Copy("PUB "u8, destination);
        pos += Copy(subject, destination[pos..]);
        destination[pos++] = (byte)' ';
        Utf8Formatter.TryFormat(payload.Length, destination[pos..], out int written);
        pos += written;
        pos += Copy("\r\n"u8, destination[pos..]);
        pos += Copy(payload, destination[pos..]);
        pos += Copy("\r\n"u8, destination[pos..]);
        return pos;
    }

    /// <summary>
    /// Reads one server operation: <c>MSG</c> (or <c>HMSG</c>) is a <see cref="ServerFrameKind.Delivery"/> whose payload
    /// is the message body, <c>INFO</c> the <see cref="ServerFrameKind.Greeting"/> (payload: its JSON), <c>PONG</c> an
    /// <see cref="ServerFrameKind.Ack"/>, <c>PING</c> a <see cref="ServerFrameKind.Ping"/>, <c>-ERR</c> an
    /// <see cref="ServerFrameKind.Error"/> (payload: its text), <c>+OK</c> <see cref="ServerFrameKind.Unknown"/>.
    /// </summary>
    public override OperationStatus Read(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength)
    {
        consumed = 0;
        kind = ServerFrameKind.Unknown;
        payloadStart = 0;
        payloadLength = 0;
        int line = data.IndexOf("\r\n"u8);
        if (line < 0)
        {
            return data.Length > MaxControlLine ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }

        ReadOnlySpan<byte> control = data[..line];
        int opEnd = control.IndexOfAny((byte)' ', (byte)'\t');
        ReadOnlySpan<byte> op = opEnd < 0 ? control : control[..opEnd];
        int argsStart = opEnd < 0 ? line : SkipBlanks(control, opEnd);
        if (Ascii.EqualsIgnoreCase(op, "MSG"u8) || Ascii.EqualsIgnoreCase(op, "HMSG"u8))
        {
            return ReadMessage(data, line, control[argsStart..], headers: op.Length == 4, out consumed, out kind, out payloadStart, out payloadLength);
        }

        consumed = line + 2;
        payloadStart = argsStart;
        payloadLength = line - argsStart;
        if (Ascii.EqualsIgnoreCase(op, "PING"u8))
        {
            kind = ServerFrameKind.Ping;
        }
        else if (Ascii.EqualsIgnoreCase(op, "PONG"u8))
        {
            kind = ServerFrameKind.Ack;
        }
        else if (Ascii.EqualsIgnoreCase(op, "INFO"u8))
        {
            kind = ServerFrameKind.Greeting;
        }
        else if (Ascii.EqualsIgnoreCase(op, "-ERR"u8))
        {
            kind = ServerFrameKind.Error;
        }
        else if (!Ascii.EqualsIgnoreCase(op, "+OK"u8))
        {
            consumed = 0;
            return OperationStatus.InvalidData;
        }

        return OperationStatus.Done;
    }

    /// <summary>
    /// <c>MSG subject sid [reply-to] #bytes</c> or <c>HMSG subject sid [reply-to] #header-bytes #total-bytes</c>, then
    /// the body and CRLF; the payload reported is the body after the headers.
    /// </summary>
    private static OperationStatus ReadMessage(
        ReadOnlySpan<byte> data, int line, ReadOnlySpan<byte> args, bool headers, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength)
    {
        consumed = 0;
        kind = ServerFrameKind.Delivery;
        payloadStart = 0;
        payloadLength = 0;

        // The last one or two arguments are sizes; there are 3–4 arguments (4–5 with headers).
        int count = 0;
        long last = -1;
        long beforeLast = -1;
        while (!args.IsEmpty)
        {
            int end = args.IndexOfAny((byte)' ', (byte)'\t');
            ReadOnlySpan<byte> token = end < 0 ? args : args[..end];
            count++;
            beforeLast = last;
            last = Utf8Parser.TryParse(token, out long value, out int used) && used == token.Length && value >= 0 ? value : -1;
            args = end < 0 ? default : args[SkipBlanks(args, end)..];
        }

        int min = headers ? 4 : 3;
        long total = last;
        long headerBytes = headers ? beforeLast : 0;
        if (count < min || count > min + 1 || total < 0 || headerBytes < 0 || headerBytes > total || total > int.MaxValue - 4)
        {
            return OperationStatus.InvalidData;
        }

        int bodyStart = line + 2;
        if (data.Length - bodyStart < total + 2)
        {
            return OperationStatus.NeedMoreData;
        }

        if (!data.Slice(bodyStart + (int)total, 2).SequenceEqual("\r\n"u8))
        {
            return OperationStatus.InvalidData;
        }

        consumed = bodyStart + (int)total + 2;
        payloadStart = bodyStart + (int)headerBytes;
        payloadLength = (int)(total - headerBytes);
        return OperationStatus.Done;
    }

    private static int SkipBlanks(ReadOnlySpan<byte> text, int from)
    {
        while (from < text.Length && text[from] is (byte)' ' or (byte)'\t')
        {
            from++;
        }

        return from;
    }
}
