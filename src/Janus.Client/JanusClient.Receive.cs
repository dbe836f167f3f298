using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Janus.Client.Connection;
using Janus.Client.Logging;
using Janus.Client.Subscriptions;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Client;

// The receive side: one loop per connection reads the socket, splits on 0x01 and handles each message. It never
// waits for the application: deliveries go to bounded streams that drop when full, so answers and PINGs behind a
// delivery are always read.
public sealed partial class JanusClient
{
    /// <summary>
    /// The receive loop of one connection: reads through the pipe, splits on 0x01, handles each message. It owns the
    /// reading side and the socket, and it is where the connection's end is noticed.
    /// </summary>
    private async Task ReceiveLoopAsync(Link link)
    {
        // Start on the thread pool: the caller goes on to write the prefix.
        await Task.Yield();
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await link.Input.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    error = _disposing ? null : link.AbortReason;
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;

                // One clock read per socket read: every message in it arrived at the same moment.
                DateTimeOffset receivedAt = _time.GetUtcNow();
                bool stop = false;
                try
                {
                    while (!stop && ServerFrames.TryReadMessage(ref buffer, out ReadOnlySequence<byte> message))
                    {
                        ValueTask<bool> handled = HandleMessage(link, message, receivedAt);
                        stop = handled.IsCompletedSuccessfully ? handled.Result : await handled.ConfigureAwait(false);
                    }

                    if (!stop && buffer.Length > _maxMessageBytes)
                    {
                        throw new JanusConnectionClosedException($"The Janus server sent more than {_maxMessageBytes} bytes without a message delimiter.");
                    }
                }
                finally
                {
                    link.Input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (stop)
                {
                    error = link.ProtocolError ?? link.AbortReason ?? new JanusConnectionClosedException("The connection to the Janus server was lost.");
                    break;
                }

                if (result.IsCompleted)
                {
                    error = _disposing || link.ExpectingClose ? null : new JanusConnectionClosedException("The Janus server closed the connection.");
                    break;
                }
            }
        }
        catch (JanusConnectionClosedException ex)
        {
            error = ex;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            error = _disposing ? null : link.AbortReason ?? new JanusConnectionClosedException("The connection to the Janus server was lost.", ex);
        }
#pragma warning disable CA1031 // A raw message handler threw, or a bug: the connection cannot go on, and must not end silently.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = new JanusConnectionClosedException("The Janus client's receive loop failed; the connection was closed.", ex);
        }
        finally
        {
            await link.Input.CompleteAsync().ConfigureAwait(false);
            if (link.Stream is System.Net.Security.SslStream tls)
            {
                // Releases the TLS session's native state now rather than at finalization.
                await tls.DisposeAsync().ConfigureAwait(false);
            }

            link.Socket.Dispose();
            OnLinkEnded(link, error);
        }
    }

    /// <summary>
    /// A connection ended. If it was the current one, the client reconnects (a drop) or ends (a refusal, reconnect
    /// off, or the application's close); a connection still being opened is the opener's business.
    /// </summary>
    private void OnLinkEnded(Link link, Exception? error)
    {
        Exception ended = error ?? new JanusConnectionClosedException("The connection to the Janus server was closed.");
        bool current;
        bool reconnect = false;
        lock (_stateLock)
        {
            current = ReferenceEquals(_link, link);
            if (current)
            {
                _link = null;
                reconnect = error is not null && !_disposing && _closedError is null && CanReconnect(error);

                // Calls from now on wait for the next connection, or fail when the client ends.
                _ready = new TaskCompletionSource<Link>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (reconnect)
                {
                    _state = JanusConnectionState.Reconnecting;
                }
            }

            link.Ended = ended;
        }

        if (current)
        {
            if (reconnect)
            {
                ClientLog.Disconnected(_logger, ended.Message);
                RaiseStateChanged(JanusConnectionState.Reconnecting, ended);
                _reconnectLoop = ReconnectLoopAsync(ended);
            }
            else if (!_disposing)
            {
                // Ended before its waiters are failed below, so they can tell a final end from a drop.
                Terminate(error);
            }
        }

        link.Answers.Fail(ended);
        if (link.Greeting.TrySetException(ended))
        {
            _ = link.Greeting.Task.Exception;
        }

        if (link.SessionAnswer.TrySetException(ended))
        {
            _ = link.SessionAnswer.Task.Exception;
        }
    }

    /// <summary>A drop is retried; a refusal is not (the server would refuse again), except the ones a new connection cures.</summary>
    private bool CanReconnect(Exception error) =>
        _reconnect.Enabled && error switch
        {
            JanusProtocolException refused => refused.Error is ProtocolError.HeartbeatTimeout or ProtocolError.SlowConsumer or ProtocolError.ServerShutdown,
            _ => true,
        };

    /// <summary>Handles one message; true when the receive loop must stop.</summary>
    private ValueTask<bool> HandleMessage(Link link, in ReadOnlySequence<byte> message, DateTimeOffset receivedAt)
    {
        long length = message.Length;
        if (length == 0)
        {
            // Two delimiters in a row: nothing to act on.
            return new ValueTask<bool>(false);
        }

        if (length <= 4)
        {
            Span<byte> keyword = stackalloc byte[4];
            message.CopyTo(keyword);
            keyword = keyword[..(int)length];
            if (keyword.SequenceEqual(WireBytes.Ack))
            {
                link.Answers.CompleteNext(SubscribeAnswer.Ack);
                return new ValueTask<bool>(false);
            }

            if (keyword.SequenceEqual(WireBytes.Ping))
            {
                return _answerPings && !_disposing ? AnswerPingAsync(link) : new ValueTask<bool>(false);
            }
        }

        if (_rawHandler is not null && link.Greeted)
        {
            return new ValueTask<bool>(HandleRaw(link, message, receivedAt));
        }

        return new ValueTask<bool>(HandleJson(link, message.ToArray(), receivedAt));
    }

    private async ValueTask<bool> AnswerPingAsync(Link link)
    {
        try
        {
            await WriteToLinkAsync(link, new KeywordFrame(KeywordFrame.Keyword.Pong), answer: null, WriteKind.Pong, CancellationToken.None).ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is JanusConnectionClosedException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>A message for <see cref="JanusClientOptions.RawMessageHandler"/>, handed over without a copy when it sits in one segment.</summary>
    private bool HandleRaw(Link link, in ReadOnlySequence<byte> message, DateTimeOffset receivedAt)
    {
        if (message.IsSingleSegment)
        {
            return HandleRaw(link, message.FirstSpan, receivedAt);
        }

        int length = (int)message.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            message.CopyTo(rented);
            return HandleRaw(link, rented.AsSpan(0, length), receivedAt);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool HandleRaw(Link link, ReadOnlySpan<byte> message, DateTimeOffset receivedAt)
    {
        // Janus puts the timestamp first in every delivery; only what is not a delivery needs parsing.
        if (message.StartsWith(ServerMessageParser.DeliveryStart))
        {
            _rawHandler!(message, receivedAt);
            return false;
        }

        if (!ServerMessageParser.TryParse(message, strings: null, out ServerMessage parsed))
        {
            throw Malformed();
        }

        if (parsed.Kind == ServerMessageKind.Delivery)
        {
            _rawHandler!(message, receivedAt);
            return false;
        }

        return HandleControl(link, message, parsed);
    }

    private bool HandleJson(Link link, byte[] raw, DateTimeOffset receivedAt)
    {
        if (!ServerMessageParser.TryParse(raw, _strings, out ServerMessage parsed))
        {
            throw Malformed();
        }

        if (parsed.Kind == ServerMessageKind.Delivery && link.Greeted)
        {
            Dispatch(new JanusMessage(raw, parsed, receivedAt));
            return false;
        }

        return HandleControl(link, raw, parsed);
    }

    /// <summary>Everything but a delivery: greeting, answers, errors. True when the receive loop must stop.</summary>
    private bool HandleControl(Link link, ReadOnlySpan<byte> json, in ServerMessage parsed)
    {
        switch (parsed.Kind)
        {
            case ServerMessageKind.Error when parsed.Topic is { } topic && link.Greeted:
                // A topic error (unauthorized, token_expired): one topic refused or ended, the connection stays.
                var refusal = new JanusAuthorizationException(topic, parsed.ErrorCode!, parsed.ErrorReason ?? string.Empty);
                if (!link.Answers.TryCompleteNextFor(topic, new SubscribeAnswer(null, null) { Refusal = refusal }))
                {
                    EndTopic(topic, refusal);
                }

                return false;
            case ServerMessageKind.Error:
                link.ProtocolError = new JanusProtocolException(parsed.ErrorCode!, parsed.ErrorReason ?? string.Empty);
                return true;
            case ServerMessageKind.Greeting when !link.Greeted:
                link.Token = parsed.Token!;
                link.GreetingTime = parsed.HasTimestamp ? parsed.Timestamp.ToDateTimeOffset() : default;
                link.Greeted = true;
                link.Greeting.TrySetResult();
                return false;
            case ServerMessageKind.Subscribed when link.Greeted:
                link.Answers.CompleteNext(new SubscribeAnswer(parsed.Position, parsed.Recovered));
                return false;
            case ServerMessageKind.Hello when link.Greeted:
                link.TokenExpires = ReadTokenExpiry(json, "hello"u8);
                link.SessionAnswer.TrySetResult(new SessionAnswer { IsHello = true });
                return false;
            case ServerMessageKind.Resumed when link.Greeted:
                link.SessionAnswer.TrySetResult(new SessionAnswer
                {
                    Resumed = parsed.Resumed == true,
                    Reason = parsed.ErrorReason,
                    Topics = ServerMessageParser.ReadTopics(json, parsed.Topics),
                });
                return false;
            default:
                if (!link.Greeted)
                {
                    throw new JanusConnectionClosedException("The server did not open with a Janus greeting ({\"timestamp\":[…],\"token\":…}).");
                }

                if (json.StartsWith("{\"auth\":"u8))
                {
                    // The answer to auth: {"auth":{"sub":S,"exp":E}}.
                    link.TokenExpires = ReadTokenExpiry(json, default);
                    link.AuthAnswer?.TrySetResult(link.TokenExpires);
                }

                // A message this client does not know: newer servers may add some.
                return false;
        }
    }

    /// <summary>
    /// Hands a delivery to its topic's streams and moves the topic's position. A delivery at or before the position
    /// (same epoch) was had already and is dropped, so a resume or a replay never shows the application a message twice.
    /// </summary>
    private void Dispatch(JanusMessage message)
    {
        JanusSubscription[] subscriptions;
        bool clientWide;
        lock (_topicsLock)
        {
            if (!_topics.TryGetValue(message.Topic, out TopicState? state))
            {
                // Unsubscribed while the message was on its way.
                return;
            }

            if (message.Position is { } position)
            {
                if (state.Position is { } had && position.Offset <= had.Offset && string.Equals(position.Epoch, had.Epoch, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _duplicatesDropped);
                    ClientLog.DuplicateDropped(_logger, message.Topic, position.Offset);
                    return;
                }

                state.Position = position;
            }

            subscriptions = state.Subscriptions;
            clientWide = state.ClientWide;
        }

        foreach (JanusSubscription subscription in subscriptions)
        {
            subscription.Deliver(message);
        }

        // Once the application has asked to close, what still arrives has no reader.
        if (clientWide && !_disposing)
        {
            _messages.Writer.TryWrite(message);
        }
    }

    /// <summary>
    /// The <c>exp</c> of an <c>auth</c> object: at the top level (the answer to <c>auth</c>, <paramref name="within"/>
    /// empty) or inside the object named <paramref name="within"/> (<c>hello</c>). 0 when there is none.
    /// </summary>
    private static long ReadTokenExpiry(ReadOnlySpan<byte> json, ReadOnlySpan<byte> within)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json.ToArray());
            System.Text.Json.JsonElement root = document.RootElement;
            if (!within.IsEmpty && !root.TryGetProperty(within, out root))
            {
                return 0;
            }

            return root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("auth"u8, out System.Text.Json.JsonElement auth)
                && auth.ValueKind == System.Text.Json.JsonValueKind.Object && auth.TryGetProperty("exp"u8, out System.Text.Json.JsonElement exp)
                && exp.TryGetInt64(out long value) ? value : 0;
        }
        catch (System.Text.Json.JsonException)
        {
            return 0;
        }
    }

    private static JanusConnectionClosedException Malformed() =>
        new("The Janus server sent a message that is not valid JSON; the connection was closed.");
}
