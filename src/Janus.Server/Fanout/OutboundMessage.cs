using System.Buffers;
using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// One encoded server message shared by every connection it goes to. A published message is encoded once into a
/// pooled buffer laid out as <c>[WebSocket header][{"timestamp":…,][body][0x01]</c>, so the TCP view (JSON + 0x01)
/// and the WebSocket view (header + JSON) are two slices of the same bytes. Published messages are reference
/// counted: the buffer goes back to the pool when the last subscriber has written it. Per-connection messages
/// (greeting, errors) and fixed ones (ACK, PING) are plain arrays and ignore the count.
/// </summary>
public sealed class OutboundMessage
{
    private byte[] _buffer;
    private int _tcpStart;
    private int _tcpLength;
    private int _wsStart;
    private int _wsLength;
    private int _bodyLength;
    private int _refs;
    private int _suffixStart;
    private int _suffixLength;
    private int _positionedHeaderLength;
    private volatile bool _inHistory;
    private readonly bool _pooled;
    private IOutboundMessageObserver? _observer;

    private OutboundMessage(byte[] buffer, bool pooled, bool soloWrite)
    {
        _buffer = buffer;
        _pooled = pooled;
        SoloWrite = soloWrite;
    }

    /// <summary>The fixed <c>ACK</c> reply; always written on its own (the original bot crashes if ACK and the next message share a read).</summary>
    public static OutboundMessage Ack { get; } = FromPayload("ACK"u8, soloWrite: true);

    /// <summary>The fixed heartbeat <c>PING</c>.</summary>
    public static OutboundMessage Ping { get; } = FromPayload("PING"u8, soloWrite: false);

    /// <summary>Whether this message must leave in a write of its own.</summary>
    public bool SoloWrite { get; }

    /// <summary>The timestamp stamped into a published message.</summary>
    public ErlangTimestamp Timestamp { get; private set; }

    /// <summary>When fan-out of a published message started, in <see cref="TimeProvider"/> timestamp ticks.</summary>
    public long FanoutStartedAt { get; private set; }

    /// <summary>The topic's offset of a published message (0 for anything else).</summary>
    public long Offset { get; private set; }

    /// <summary>The topic a published message was stamped by; used to find a topic's messages in a queue on resume.</summary>
    internal Topic? Topic { get; private set; }

    /// <summary>Whether the message has a positioned form (a published message stamped by a topic).</summary>
    public bool HasPosition => _suffixLength != 0;

    /// <summary>
    /// The JSON an opted-in client receives: the delivery with <c>,"offset":N,"epoch":"E"</c> after the original five
    /// keys (a copy; for the history API, not the hot path).
    /// </summary>
    public byte[] GetPositionedJson()
    {
        if (!HasPosition)
        {
            return Json.ToArray();
        }

        int bodyEnd = DeliveryEncoder.PrefixReserve + _bodyLength - 1;
        int head = bodyEnd - _tcpStart;
        byte[] json = new byte[head + _suffixLength];
        _buffer.AsSpan(_tcpStart, head).CopyTo(json);
        _buffer.AsSpan(_suffixStart, _suffixLength).CopyTo(json.AsSpan(head));
        return json;
    }

    /// <summary>
    /// Writes the message as the given transport puts it on the wire, positioned (with offset and epoch) when
    /// <paramref name="positioned"/> and the message has a position. Returns the bytes written.
    /// </summary>
    /// <remarks>
    /// The positioned form is not a second encoding of the message: it is the same bytes up to the body's closing
    /// brace, then a suffix written once at stamping (and, for WebSocket, a header of its own), so a message costs the
    /// same whatever mix of legacy and opted-in subscribers it goes to.
    /// </remarks>
    public int WriteFrame(IBufferWriter<byte> output, TransportFraming framing, bool positioned)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!positioned || _suffixLength == 0)
        {
            ReadOnlySpan<byte> frame = GetFrame(framing);
            output.Write(frame);
            return frame.Length;
        }

        int bodyEnd = DeliveryEncoder.PrefixReserve + _bodyLength - 1;
        ReadOnlySpan<byte> head = _buffer.AsSpan(_tcpStart, bodyEnd - _tcpStart);
        if (framing == TransportFraming.Tcp)
        {
            // The suffix is followed by its 0x01.
            ReadOnlySpan<byte> suffix = _buffer.AsSpan(_suffixStart, _suffixLength + 1);
            output.Write(head);
            output.Write(suffix);
            return head.Length + suffix.Length;
        }

        ReadOnlySpan<byte> header = _buffer.AsSpan(_suffixStart - _positionedHeaderLength, _positionedHeaderLength);
        ReadOnlySpan<byte> tail = _buffer.AsSpan(_suffixStart, _suffixLength);
        output.Write(header);
        output.Write(head);
        output.Write(tail);
        return header.Length + head.Length + tail.Length;
    }

    /// <summary>The bytes a queue accounts for this message: its TCP form, or its WebSocket form if it has no TCP form (a pong).</summary>
    public int Size => _tcpLength != 0 ? _tcpLength : _wsLength;

    /// <summary>The body of a published message: everything after the timestamp prefix, without framing.</summary>
    public ReadOnlySpan<byte> Body => _buffer.AsSpan(DeliveryEncoder.PrefixReserve, _bodyLength);

    /// <summary>The JSON of the message, without any framing.</summary>
    public ReadOnlySpan<byte> Json => _buffer.AsSpan(_tcpStart, _tcpLength - 1);

    /// <summary>The message as the given transport puts it on the wire.</summary>
    public ReadOnlySpan<byte> GetFrame(TransportFraming framing) =>
        framing == TransportFraming.Tcp ? _buffer.AsSpan(_tcpStart, _tcpLength) : _buffer.AsSpan(_wsStart, _wsLength);

    /// <summary>A message of its own from a JSON (or keyword) payload: a greeting, an error, an ack.</summary>
    public static OutboundMessage FromPayload(ReadOnlySpan<byte> payload, bool soloWrite = false)
    {
        int header = WebSocketFraming.HeaderLength(payload.Length);
        byte[] buffer = new byte[header + payload.Length + 1];
        WebSocketFraming.WriteTextHeader(buffer, payload.Length);
        payload.CopyTo(buffer.AsSpan(header));
        buffer[^1] = WireBytes.ServerDelimiter;
        return new OutboundMessage(buffer, pooled: false, soloWrite)
        {
            _tcpStart = header,
            _tcpLength = payload.Length + 1,
            _wsStart = 0,
            _wsLength = header + payload.Length,
        };
    }

    /// <summary>
    /// A WebSocket-only frame with the given opcode (a pong answering a client's ping). It has no TCP form.
    /// </summary>
    public static OutboundMessage FromWebSocketFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        int header = WebSocketFraming.HeaderLength(payload.Length);
        byte[] buffer = new byte[header + payload.Length];
        WebSocketFraming.WriteHeader(buffer, opcode, payload.Length);
        payload.CopyTo(buffer.AsSpan(header));
        return new OutboundMessage(buffer, pooled: false, soloWrite: false) { _wsStart = 0, _wsLength = buffer.Length };
    }

    /// <summary>
    /// A message whose bytes go to a TCP client exactly as given, with no 0x01 added (the Flash policy answer ends
    /// in NUL). It has no WebSocket form.
    /// </summary>
    public static OutboundMessage FromTcpBytes(ReadOnlySpan<byte> wireBytes) =>
        new(wireBytes.ToArray(), pooled: false, soloWrite: false) { _tcpStart = 0, _tcpLength = wireBytes.Length };

    /// <summary>
    /// Rents a message for a publish whose body is at most <paramref name="maxBodyLength"/> bytes. Write the body
    /// into <see cref="GetBodyBuffer"/>, then <see cref="SetBodyLength"/>; fan-out stamps it.
    /// </summary>
    public static OutboundMessage RentForPublish(int maxBodyLength)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DeliveryEncoder.PrefixReserve + maxBodyLength + 1 + SuffixReserve);
        return new OutboundMessage(buffer, pooled: true, soloWrite: false) { _refs = 1 };
    }

    /// <summary>Rents a message and copies an already encoded body into it (a message from another node).</summary>
    public static OutboundMessage RentForBody(ReadOnlySpan<byte> body)
    {
        OutboundMessage message = RentForPublish(body.Length);
        body.CopyTo(message.GetBodyBuffer());
        message.SetBodyLength(body.Length);
        return message;
    }

    // At the end of a rented buffer: room for the positioned form's WebSocket header, its suffix and 0x01.
    private const int SuffixReserve = WebSocketFraming.MaxHeaderLength + DeliveryEncoder.MaxPositionSuffixLength + 1;

    /// <summary>Where the body of a rented message goes.</summary>
    public Span<byte> GetBodyBuffer() => _buffer.AsSpan(DeliveryEncoder.PrefixReserve, _buffer.Length - DeliveryEncoder.PrefixReserve - 1 - SuffixReserve);

    /// <summary>Records how many bytes of body were written.</summary>
    public void SetBodyLength(int length) => _bodyLength = length;

    /// <summary>
    /// Writes the timestamp prefix in front of the body, the 0x01 after it and the WebSocket header in front of it
    /// all. Called once per publish, inside the topic's publish lock, just before fan-out.
    /// </summary>
    internal void Stamp(ErlangTimestamp timestamp, long fanoutStartedAt, IOutboundMessageObserver? observer) =>
        Stamp(timestamp, fanoutStartedAt, observer, null, 0, default);

    /// <summary>
    /// Stamps a message with its timestamp and, when <paramref name="topic"/> is given, its position in that topic:
    /// the suffix <c>,"offset":N,"epoch":"E"}</c> + 0x01 of the positioned form is written once here, at the end of
    /// the buffer, with the WebSocket header of the positioned JSON in front of it.
    /// </summary>
    internal void Stamp(ErlangTimestamp timestamp, long fanoutStartedAt, IOutboundMessageObserver? observer, Topic? topic, long offset, ReadOnlySpan<byte> epoch)
    {
        Topic = topic;
        Offset = offset;
        Timestamp = timestamp;
        FanoutStartedAt = fanoutStartedAt;
        _observer = observer;
        Span<byte> buffer = _buffer;
        int prefixStart = DeliveryEncoder.WriteTimestampPrefix(buffer[..DeliveryEncoder.PrefixReserve], timestamp);
        int bodyEnd = DeliveryEncoder.PrefixReserve + _bodyLength;
        buffer[bodyEnd] = WireBytes.ServerDelimiter;
        int jsonLength = bodyEnd - prefixStart;
        int header = WebSocketFraming.HeaderLength(jsonLength);
        WebSocketFraming.WriteTextHeader(buffer[(prefixStart - header)..], jsonLength);
        _tcpStart = prefixStart;
        _tcpLength = jsonLength + 1;
        _wsStart = prefixStart - header;
        _wsLength = header + jsonLength;
        if (topic is null || !_pooled)
        {
            _suffixLength = 0;
            return;
        }

        int suffixArea = buffer.Length - SuffixReserve;
        _suffixStart = suffixArea + WebSocketFraming.MaxHeaderLength;
        _suffixLength = DeliveryEncoder.WritePositionSuffix(buffer[_suffixStart..], offset, epoch);
        buffer[_suffixStart + _suffixLength] = WireBytes.ServerDelimiter;
        int positionedJsonLength = jsonLength - 1 + _suffixLength;
        _positionedHeaderLength = WebSocketFraming.HeaderLength(positionedJsonLength);
        WebSocketFraming.WriteTextHeader(buffer[(_suffixStart - _positionedHeaderLength)..], positionedJsonLength);
    }

    /// <summary>Adds references for subscribers about to receive the message (pooled messages only).</summary>
    internal void AddReferences(int count)
    {
        if (_pooled && count != 0)
        {
            Interlocked.Add(ref _refs, count);
        }
    }

    /// <summary>Marks the message as held by a topic's history (which took a reference of its own), or no longer.</summary>
    internal void SetInHistory(bool held) => _inHistory = held;

    /// <summary>Gives back one reference; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        if (!_pooled)
        {
            return;
        }

        int refs = Interlocked.Decrement(ref _refs);

        // The last subscriber's write is when only the history's reference (if any) is left; the observer hears of it
        // once, whichever release gets there.
        if (refs == (_inHistory ? 1 : 0) && _observer is not null)
        {
            Interlocked.Exchange(ref _observer, null)?.OnLastWrite(this);
        }

        if (refs == 0)
        {
            byte[] buffer = _buffer;
            _buffer = [];
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else if (refs < 0)
        {
            throw new InvalidOperationException("An outbound message was released more often than it was referenced.");
        }
    }
}
