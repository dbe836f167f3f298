using System.Text.Json;

namespace Janus.Protocol;

/// <summary>
/// Parses JSON client commands with <see cref="Utf8JsonReader"/>: any key order, unknown keys skipped, nothing
/// allocated. The original server accepted only its exact keys in its exact order and closed the connection on
/// anything else; we keep the keys and drop the fragility.
/// </summary>
public static class ClientCommandParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// Parses a JSON command frame (<c>{"action":...}</c>). The topic is unescaped into <paramref name="topicBuffer"/>,
    /// whose length is the topic length limit in characters.
    /// </summary>
    public static ProtocolError TryParseCommand(ReadOnlySpan<byte> json, Span<char> topicBuffer, out ClientCommand command) =>
        Parse(json, topicBuffer, requireAction: true, out command);

    /// <summary>Parses the JSON body that follows a <c>PUBLISH</c> frame (no <c>action</c> key needed).</summary>
    public static ProtocolError TryParsePublishBody(ReadOnlySpan<byte> json, Span<char> topicBuffer, out ClientCommand command) =>
        Parse(json, topicBuffer, requireAction: false, out command);

    private static ProtocolError Parse(ReadOnlySpan<byte> json, Span<char> topicBuffer, bool requireAction, out ClientCommand command)
    {
        command = default;

        // Utf8JsonReader checks structure, not the UTF-8 inside strings, and deliveries pass values through verbatim:
        // one publisher's bad bytes would reach every subscriber (and a browser closes a WebSocket on invalid UTF-8).
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return ProtocolError.InvalidUtf8;
        }

        var reader = new Utf8JsonReader(json, ReaderOptions);
        ClientAction? action = requireAction ? null : ClientAction.Publish;
        bool unknownAction = false;
        JsonValueRange topic = default, eventValue = default, messageId = default, data = default, since = default, positions = default, token = default;
        JsonTokenType dataType = JsonTokenType.None, tokenType = JsonTokenType.None;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                // Validate the rest so that "not JSON" and "JSON but not an object" get different codes.
                reader.Skip();
                while (reader.Read())
                {
                }

                return requireAction ? ProtocolError.InvalidCommand : ProtocolError.InvalidPublish;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("action"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        reader.Skip();
                        unknownAction = requireAction;
                        continue;
                    }

                    if (!requireAction)
                    {
                        continue;
                    }

                    if (reader.ValueTextEquals("subscribe"u8))
                    {
                        action = ClientAction.Subscribe;
                    }
                    else if (reader.ValueTextEquals("unsubscribe"u8))
                    {
                        action = ClientAction.Unsubscribe;
                    }
                    else if (reader.ValueTextEquals("publish"u8))
                    {
                        action = ClientAction.Publish;
                    }
                    else if (reader.ValueTextEquals("hello"u8))
                    {
                        action = ClientAction.Hello;
                    }
                    else if (reader.ValueTextEquals("resume"u8))
                    {
                        action = ClientAction.Resume;
                    }
                    else if (reader.ValueTextEquals("bye"u8))
                    {
                        action = ClientAction.Bye;
                    }
                    else if (reader.ValueTextEquals("auth"u8))
                    {
                        action = ClientAction.Auth;
                    }
                    else
                    {
                        unknownAction = true;
                    }
                }
                else if (reader.ValueTextEquals("topic"u8))
                {
                    topic = ReadValue(ref reader, out JsonTokenType type);
                    if (type != JsonTokenType.String)
                    {
                        topic = new JsonValueRange(-1, -1);
                    }
                }
                else if (reader.ValueTextEquals("data"u8))
                {
                    data = ReadValue(ref reader, out dataType);
                }
                else if (reader.ValueTextEquals("event"u8))
                {
                    eventValue = ReadValue(ref reader, out _);
                }
                else if (reader.ValueTextEquals("message_id"u8))
                {
                    messageId = ReadValue(ref reader, out _);
                }
                else if (requireAction && reader.ValueTextEquals("since"u8))
                {
                    since = ReadValue(ref reader, out _);
                }
                else if (requireAction && reader.ValueTextEquals("positions"u8))
                {
                    positions = ReadValue(ref reader, out _);
                }
                else if (requireAction && reader.ValueTextEquals("token"u8))
                {
                    token = ReadValue(ref reader, out tokenType);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Anything after the object (other than whitespace) makes the reader throw here.
            while (reader.Read())
            {
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: comparing a key or the action unescapes it, and a lone surrogate escape
            // ("\udc00") cannot be unescaped. Text that is not Unicode is refused like any other bad JSON.
            return ProtocolError.InvalidJson;
        }

        if (unknownAction)
        {
            return ProtocolError.UnknownAction;
        }

        if (action is null)
        {
            return ProtocolError.InvalidCommand;
        }

        switch (action.Value)
        {
            case ClientAction.Hello:
            case ClientAction.Auth:
                // The token is a JSON string (a JWT has nothing to escape); auth needs one, hello may carry one.
                if ((token.IsPresent && tokenType != JsonTokenType.String) || (action == ClientAction.Auth && !token.IsPresent))
                {
                    return ProtocolError.InvalidToken;
                }

                command = new ClientCommand(action.Value, default, default, default, default, data) { Token = token };
                return ProtocolError.None;
            case ClientAction.Bye:
                command = new ClientCommand(action.Value, default, default, default, default, data);
                return ProtocolError.None;
            case ClientAction.Resume:
                if (!data.IsPresent || dataType != JsonTokenType.String || (positions.IsPresent && json[positions.Start] != (byte)'{'))
                {
                    return ProtocolError.InvalidResume;
                }

                command = new ClientCommand(action.Value, default, default, default, default, data, default, positions);
                return ProtocolError.None;
        }

        JsonValueRange topicRange;
        if (action == ClientAction.Publish)
        {
            if (topic.Start < 0 || !topic.IsPresent)
            {
                return requireAction ? ProtocolError.InvalidTopic : ProtocolError.InvalidPublish;
            }

            topicRange = topic;
        }
        else
        {
            // subscribe/unsubscribe carry the topic in "data", as the original did.
            if (!data.IsPresent || dataType != JsonTokenType.String)
            {
                return ProtocolError.InvalidTopic;
            }

            topicRange = data;
            data = default;
        }

        if (!TryUnescapeTopic(topicRange.Slice(json), topicBuffer, out int topicLength))
        {
            return ProtocolError.InvalidTopic;
        }

        if (since.IsPresent && action == ClientAction.Subscribe && !StreamPosition.TryParse(since.Slice(json), out _))
        {
            return ProtocolError.InvalidPosition;
        }

        command = new ClientCommand(action.Value, topicBuffer[..topicLength], topicRange, eventValue, messageId, data, action == ClientAction.Subscribe ? since : default, default);
        return ProtocolError.None;
    }

    private static JsonValueRange ReadValue(ref Utf8JsonReader reader, out JsonTokenType type)
    {
        reader.Read();
        type = reader.TokenType;
        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        return new JsonValueRange(start, (int)reader.BytesConsumed - start);
    }

    /// <summary>
    /// Unescapes a JSON string token (with quotes) into characters; false if it is not a string, empty, too long, not
    /// valid text (bad UTF-8, a lone surrogate escape), or not a valid topic name (a control character, even escaped:
    /// <see cref="TopicNames"/>). Never throws.
    /// </summary>
    public static bool TryUnescapeTopic(ReadOnlySpan<byte> jsonString, Span<char> destination, out int length)
    {
        length = 0;
        var reader = new Utf8JsonReader(jsonString, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            // ValueSpan is at most 6× the characters it unescapes to; a generous pre-check keeps CopyString from throwing.
            if (!reader.ValueIsEscaped && reader.ValueSpan.Length > destination.Length * 3)
            {
                return false;
            }

            length = reader.CopyString(destination);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException)
        {
            // ArgumentException: too long for the buffer. InvalidOperationException: the reader checks UTF-8 and
            // surrogates only when transcoding, so a topic of raw 0xFF or "\ud800" fails here, not in Read.
            length = 0;
            return false;
        }

        return length > 0 && TopicNames.IsValidText(destination[..length]);
    }
}
