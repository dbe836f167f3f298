using System.Buffers;
using System.Text.Json;
using Janus.Protocol;

namespace Janus.Client.Framing;

/// <summary>
/// Builds client frames in a reusable buffer with one reusable <see cref="Utf8JsonWriter"/>: no allocation per
/// frame. A frame is built whole before it is copied to the socket's pipe, so a serializer that throws halfway
/// leaves nothing on the wire. Not thread-safe: the client uses it under its write lock.
/// </summary>
internal sealed class CommandWriter : IDisposable
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

    /// <summary><c>{"action":"subscribe"|"unsubscribe","data":topic}</c> and its NUL.</summary>
    public void WriteTopicCommand(bool subscribe, string topic)
    {
        _json.WriteStartObject();
        _json.WriteString("action"u8, subscribe ? "subscribe"u8 : "unsubscribe"u8);
        _json.WriteString("data"u8, topic);
        _json.WriteEndObject();
        _json.Flush();
        WriteDelimiter();
    }

    /// <summary>A publish in either form (see <see cref="PublishFrame{TData}"/>).</summary>
    public void WritePublish<TData>(bool keyword, string topic, string? eventName, string? messageId, in TData data)
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
        _json.WriteString("message_id"u8, messageId);
        _json.WritePropertyName("data"u8);
        data.WriteTo(_json);
        _json.WriteEndObject();
        _json.Flush();
        if (!keyword)
        {
            WriteDelimiter();
        }
    }

    private void WriteDelimiter()
    {
        _buffer.GetSpan(1)[0] = WireBytes.ClientDelimiter;
        _buffer.Advance(1);
    }

    /// <inheritdoc />
    public void Dispose() => _json.Dispose();
}
