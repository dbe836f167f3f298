using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Janus.Protocol;

/// <summary>
/// Encoders for the answers of the opt-in session protocol (docs/sessions.md): <c>hello</c>, a positioned
/// <c>subscribe</c> and <c>resume</c>. These are per-connection answers, not the hot path: they go through
/// <see cref="Utf8JsonWriter"/>, which escapes topic names correctly.
/// </summary>
public static class SessionMessages
{
    /// <summary>The version of the session protocol this library speaks.</summary>
    public const int Version = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary><c>{"hello":{"version":1,"resume":true,"history":true,"grace_ms":G}}</c>.</summary>
    public static byte[] EncodeHello(long graceMilliseconds, bool history) => EncodeHello(graceMilliseconds, history, null, 0);

    /// <summary>
    /// The answer to a <c>hello</c> that carried a token: <c>{"hello":{…,"auth":{"sub":S,"exp":E}}}</c>, the token's
    /// subject and expiry (Unix seconds). Without a subject, the plain answer.
    /// </summary>
    public static byte[] EncodeHello(long graceMilliseconds, bool history, string? subject, long expires)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("hello"u8);
            writer.WriteNumber("version"u8, Version);
            writer.WriteBoolean("resume"u8, true);
            writer.WriteBoolean("history"u8, history);
            writer.WriteNumber("grace_ms"u8, graceMilliseconds);
            if (subject is not null)
            {
                WriteAuth(writer, subject, expires);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The answer to an accepted <c>auth</c>: <c>{"auth":{"sub":S,"exp":E}}</c> (expiry in Unix seconds).</summary>
    public static byte[] EncodeAuth(string subject, long expires)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var buffer = new ArrayBufferWriter<byte>(48 + (subject.Length * 2));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            WriteAuth(writer, subject, expires);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteAuth(Utf8JsonWriter writer, string subject, long expires)
    {
        writer.WriteStartObject("auth"u8);
        writer.WriteString("sub"u8, subject);
        writer.WriteNumber("exp"u8, expires);
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>{"subscribed":T,"offset":N,"epoch":"E"}</c>, with <c>"recovered":R</c> when the subscribe carried a position.
    /// </summary>
    public static byte[] EncodeSubscribed(string topic, StreamPosition position, bool? recovered)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (topic.Length * 2));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("subscribed"u8, topic);
            writer.WriteNumber("offset"u8, position.Offset);
            writer.WriteString("epoch"u8, position.Epoch);
            if (recovered is { } value)
            {
                writer.WriteBoolean("recovered"u8, value);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The answer to a resume: <c>{"resumed":true,"recovered":R,"topics":{T:{"offset":N,"epoch":"E","recovered":R},…}}</c>,
    /// or, when the session is gone, <c>{"resumed":false,"recovered":false,"reason":"…","topics":{T:{"offset":N,"epoch":"E"},…}}</c>.
    /// </summary>
    public static byte[] EncodeResumed(bool resumed, string? reason, IReadOnlyList<TopicRecovery> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        bool all = resumed;
        for (int i = 0; i < topics.Count && all; i++)
        {
            all = topics[i].Recovered == true;
        }

        var buffer = new ArrayBufferWriter<byte>(64 + (topics.Count * 64));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("resumed"u8, resumed);
            writer.WriteBoolean("recovered"u8, all);
            if (reason is not null)
            {
                writer.WriteString("reason"u8, reason);
            }

            writer.WriteStartObject("topics"u8);
            for (int i = 0; i < topics.Count; i++)
            {
                TopicRecovery topic = topics[i];
                writer.WriteStartObject(topic.Topic);
                writer.WriteNumber("offset"u8, topic.Position.Offset);
                writer.WriteString("epoch"u8, topic.Position.Epoch);
                if (topic.Recovered is { } value)
                {
                    writer.WriteBoolean("recovered"u8, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
