using System.Buffers;
using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>
/// Builds client frames in a reusable buffer with one reusable <see cref="Utf8JsonWriter"/>: no allocation per
/// frame. A frame is built whole before it is copied to the socket's pipe, so a serializer that throws halfway
/// leaves nothing on the wire. Not thread-safe: a client uses it under its write lock.
/// </summary>
public sealed class CommandWriter : IDisposable
{
    // A one-off large publish should not pin its buffer for the life of the connection.
    private const int RetainedCapacity = 64 * 1024;
    private const int InitialCapacity = 256;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };

    private readonly Utf8JsonWriter _json;
    private ArrayBufferWriter<byte> _buffer = new(InitialCapacity);

    /// <summary>Creates the writer.</summary>
    public CommandWriter() => _json = new Utf8JsonWriter(_buffer, WriterOptions);

    /// <summary>The frame built by the last <see cref="Build{TFrame}"/>.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Builds one frame and returns its bytes (valid until the next build).</summary>
    public ReadOnlySpan<byte> Build<TFrame>(in TFrame frame)
        where TFrame : IClientFrame
    {
        if (_buffer.Capacity > RetainedCapacity)
        {
            _buffer = new ArrayBufferWriter<byte>(InitialCapacity);
        }
        else
        {
            _buffer.ResetWrittenCount();
        }

        _json.Reset(_buffer);
        frame.WriteTo(this);
        return _buffer.WrittenSpan;
    }

    /// <summary>
    /// One frame's bytes in an array of its own, after the <c>&lt;regular-socket/&gt;</c> prefix frame when
    /// <paramref name="regularSocketPrefix"/> is set (as the original bot wrote every frame): for a caller that
    /// builds a frame once and sends it many times, as janus-bot does for its thousands of clients.
    /// </summary>
    public static byte[] Encode<TFrame>(in TFrame frame, bool regularSocketPrefix = false)
        where TFrame : IClientFrame
    {
        using var writer = new CommandWriter();
        if (regularSocketPrefix)
        {
            writer._buffer.Write(WireBytes.RegularSocket);
            writer.WriteDelimiter();
        }

        writer._json.Reset(writer._buffer);
        frame.WriteTo(writer);
        return writer._buffer.WrittenSpan.ToArray();
    }

    /// <summary>A keyword and its NUL.</summary>
    public void WriteKeyword(KeywordFrame.Keyword keyword)
    {
        ReadOnlySpan<byte> text = keyword switch
        {
            KeywordFrame.Keyword.RegularSocket => WireBytes.RegularSocket,
            KeywordFrame.Keyword.Ping => WireBytes.Ping,
            _ => WireBytes.Pong,
        };
        _buffer.Write(text);
        WriteDelimiter();
    }

    /// <summary>
    /// <c>{"action":"subscribe"|"unsubscribe","data":topic}</c> and its NUL; a subscribe from a position carries
    /// <c>"since":{"offset":N,"epoch":"E"}</c> (docs/sessions.md).
    /// </summary>
    public void WriteTopicCommand(bool subscribe, string topic, StreamPosition? since = null)
    {
        _json.WriteStartObject();
        _json.WriteString("action"u8, subscribe ? "subscribe"u8 : "unsubscribe"u8);
        _json.WriteString("data"u8, topic);
        if (since is { } position)
        {
            _json.WritePropertyName("since"u8);
            WritePosition(position);
        }

        _json.WriteEndObject();
        _json.Flush();
        WriteDelimiter();
    }

    /// <summary><c>{"action":"hello"}</c> or <c>{"action":"bye"}</c> and its NUL.</summary>
    public void WriteSessionAction(bool hello)
    {
        _json.WriteStartObject();
        _json.WriteString("action"u8, hello ? "hello"u8 : "bye"u8);
        _json.WriteEndObject();
        _json.Flush();
        WriteDelimiter();
    }

    /// <summary>
    /// <c>{"action":"hello","token":T}</c> or <c>{"action":"auth","token":T}</c> and its NUL: a subscribe token for
    /// protected topics (docs/sessions.md).
    /// </summary>
    public void WriteTokenAction(bool hello, string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        _json.WriteStartObject();
        _json.WriteString("action"u8, hello ? "hello"u8 : "auth"u8);
        _json.WriteString("token"u8, token);
        _json.WriteEndObject();
        _json.Flush();
        WriteDelimiter();
    }

    /// <summary><c>{"action":"resume","data":token,"positions":{topic:{"offset":N,"epoch":"E"},…}}</c> and its NUL.</summary>
    public void WriteResume(string token, IEnumerable<KeyValuePair<string, StreamPosition>> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        _json.WriteStartObject();
        _json.WriteString("action"u8, "resume"u8);
        _json.WriteString("data"u8, token);
        _json.WriteStartObject("positions"u8);
        foreach (KeyValuePair<string, StreamPosition> position in positions)
        {
            _json.WritePropertyName(position.Key);
            WritePosition(position.Value);
        }

        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        WriteDelimiter();
    }

    /// <summary>A publish in either form (see <see cref="PublishFrame{TData}"/>).</summary>
    public void WritePublish<TData>(bool keyword, string topic, string? eventName, string? messageId, in TData data)
        where TData : IJsonData =>
        WritePublish(keyword, topic, eventName, messageId, number: null, data);

    /// <summary>A publish on a kept connection whose <c>message_id</c> is a number (see <see cref="NumberedPublishFrame{TData}"/>).</summary>
    public void WritePublish<TData>(string topic, string? eventName, long messageId, in TData data)
        where TData : IJsonData =>
        WritePublish(keyword: false, topic, eventName, messageId: null, messageId, data);

    private void WritePublish<TData>(bool keyword, string topic, string? eventName, string? messageId, long? number, in TData data)
        where TData : IJsonData
    {
        if (keyword)
        {
            _buffer.Write(WireBytes.Publish);
            WriteDelimiter();
        }

        _json.WriteStartObject();
        if (!keyword)
        {
            _json.WriteString("action"u8, "publish"u8);
        }

        _json.WriteString("topic"u8, topic);
        _json.WriteString("event"u8, eventName);
        if (number is { } id)
        {
            _json.WriteNumber("message_id"u8, id);
        }
        else
        {
            _json.WriteString("message_id"u8, messageId);
        }

        _json.WritePropertyName("data"u8);
        data.WriteTo(_json);
        _json.WriteEndObject();
        _json.Flush();
        if (!keyword)
        {
            WriteDelimiter();
        }
    }

    private void WritePosition(StreamPosition position)
    {
        _json.WriteStartObject();
        _json.WriteNumber("offset"u8, position.Offset);
        _json.WriteString("epoch"u8, position.Epoch);
        _json.WriteEndObject();
    }

    private void WriteDelimiter()
    {
        _buffer.GetSpan(1)[0] = WireBytes.ClientDelimiter;
        _buffer.Advance(1);
    }

    /// <inheritdoc />
    public void Dispose() => _json.Dispose();
}
