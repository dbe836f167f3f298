using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Janus.Client.Connection;
using Janus.Client.Logging;
using Janus.Client.Subscriptions;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Client;

// Subscriptions: per-subscription streams, the client-wide stream, and the registry of topics that outlives connections.
public sealed partial class JanusClient
{
    /// <summary>
    /// The messages of the topics added with <see cref="AddTopicAsync"/>, in order; the same as
    /// <see cref="ReadAllAsync"/> without a token. Topics subscribed with <see cref="SubscribeAsync"/> have their own
    /// streams and do not appear here.
    /// </summary>
    public IAsyncEnumerable<JanusMessage> Messages => ReadAllAsync();

    /// <summary>
    /// Subscribes to <paramref name="topic"/> and streams its messages:
    /// <c>await foreach (var m in client.SubscribeAsync("news", ct))</c>. The subscribe is sent when the enumeration
    /// starts; the subscription ends (and the client unsubscribes, unless something else takes the topic) when the
    /// enumeration ends. For a subscription that is in place before you start reading, use
    /// <see cref="SubscribeCoreAsync"/>.
    /// </summary>
    /// <param name="topic">The topic; not empty. The server refuses names past its limit (256 characters by default).</param>
    /// <param name="cancellationToken">Ends the enumeration (with <see cref="OperationCanceledException"/>) and the subscription.</param>
    /// <exception cref="JanusProtocolException">The server refused the subscribe (e.g. <see cref="ProtocolError.InvalidTopic"/>) and closed the connection.</exception>
    /// <exception cref="JanusConnectionClosedException">The client ended.</exception>
    public async IAsyncEnumerable<JanusMessage> SubscribeAsync(string topic, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        JanusSubscription subscription = await SubscribeCoreAsync(topic, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (JanusMessage message in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Subscribes to <paramref name="topic"/> and completes when the server has answered: every message published to
    /// the topic after that reaches the returned subscription's stream. Dispose the subscription to end it.
    /// </summary>
    /// <remarks>
    /// Several subscriptions to one topic each get every message. The subscription survives reconnects. If the
    /// connection drops before the answer, the subscribe is sent again on the next connection.
    /// </remarks>
    /// <param name="topic">The topic; not empty.</param>
    /// <param name="cancellationToken">Cancels the wait (the subscription is then removed).</param>
    /// <exception cref="JanusProtocolException">The server refused the subscribe and closed the connection.</exception>
    /// <exception cref="JanusConnectionClosedException">The client ended.</exception>
    public async Task<JanusSubscription> SubscribeCoreAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ThrowIfClosed();
        var subscription = new JanusSubscription(this, topic, _options.MessageBufferCapacity, _options.MessageBufferFullMode);
        TopicState state;
        lock (_topicsLock)
        {
            state = GetOrAddTopic(topic);
            state.Subscriptions = [.. state.Subscriptions, subscription];
            subscription.State = state;
        }

        try
        {
            await SubscribeOnWireAsync(state, cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Subscribes the client-wide <see cref="Messages"/> stream to <paramref name="topic"/>: sends
    /// <c>{"action":"subscribe","data":topic}</c> and completes when the server's answer arrives. Adding a topic twice
    /// is harmless (answered again, delivered once); the answer also proves the server has read every earlier frame.
    /// </summary>
    /// <remarks>Cancelling stops the wait, not the subscribe: once the frame is written the server registers it.</remarks>
    /// <param name="topic">The topic; not empty. The server refuses names past its limit (256 characters by default).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="JanusProtocolException">The server refused the subscribe (e.g. <see cref="ProtocolError.InvalidTopic"/>, <see cref="ProtocolError.TooManySubscriptions"/>) and closed the connection.</exception>
    /// <exception cref="JanusConnectionClosedException">The client ended before the answer.</exception>
    public Task AddTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ThrowIfClosed();
        TopicState state;
        lock (_topicsLock)
        {
            state = GetOrAddTopic(topic);
            state.ClientWide = true;
        }

        return SubscribeOnWireAsync(state, cancellationToken);
    }

    /// <summary>
    /// Unsubscribes from <paramref name="topic"/>: every subscription to it ends (its stream completes), the
    /// client-wide stream stops taking it, and <c>{"action":"unsubscribe","data":topic}</c> is sent. The protocol has
    /// no reply to it, so this completes once the frame is written; a later subscribe's answer proves the server read it.
    /// </summary>
    /// <param name="topic">The topic; not empty.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn.</param>
    /// <exception cref="JanusConnectionClosedException">The client has ended.</exception>
    public async ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        JanusSubscription[] ended = [];
        lock (_topicsLock)
        {
            if (_topics.Remove(topic, out TopicState? state))
            {
                ended = state.Subscriptions;
            }
        }

        foreach (JanusSubscription subscription in ended)
        {
            subscription.Complete(error: null);
        }

        await WriteFrameAsync(new TopicFrame(subscribe: false, topic), answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The messages of the topics added with <see cref="AddTopicAsync"/>, in order, as they arrive. Several readers may
    /// enumerate at once; each message goes to one of them. The stream ends normally after <see cref="DisposeAsync"/>,
    /// and throws <see cref="JanusProtocolException"/> or <see cref="JanusConnectionClosedException"/> (after the
    /// messages buffered before it) when the client ends otherwise. Empty when
    /// <see cref="JanusClientOptions.RawMessageHandler"/> is set.
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration (the client stays connected).</param>
    public IAsyncEnumerable<JanusMessage> ReadAllAsync(CancellationToken cancellationToken = default) => _messages.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Waits for the next message of the client-wide stream.</summary>
    /// <param name="cancellationToken">Stops the wait (the message stays queued).</param>
    /// <exception cref="JanusProtocolException">The server closed the connection with an error frame.</exception>
    /// <exception cref="JanusConnectionClosedException">The client ended.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async ValueTask<JanusMessage> ReadMessageAsync(CancellationToken cancellationToken = default)
    {
        ChannelReader<JanusMessage> reader = _messages.Reader;
        while (true)
        {
            if (reader.TryRead(out JanusMessage? message))
            {
                return message;
            }

            if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw CreateClosedException();
            }
        }
    }

    /// <summary>Takes a buffered message of the client-wide stream if there is one, without waiting.</summary>
    public bool TryReadMessage([NotNullWhen(true)] out JanusMessage? message) => _messages.Reader.TryRead(out message);

    /// <summary>Ends one subscription; unsubscribes the topic when nothing else takes it.</summary>
    internal async ValueTask RemoveSubscriptionAsync(JanusSubscription subscription)
    {
        bool unsubscribe = false;
        lock (_topicsLock)
        {
            if (subscription.State is { } state)
            {
                state.Subscriptions = [.. state.Subscriptions.Where(s => !ReferenceEquals(s, subscription))];
                if (state.IsEmpty && _topics.TryGetValue(state.Topic, out TopicState? registered) && ReferenceEquals(registered, state))
                {
                    _topics.Remove(state.Topic);
                    unsubscribe = true;
                }
            }
        }

        subscription.Complete(error: null);
        if (unsubscribe && Volatile.Read(ref _closedError) is null && Volatile.Read(ref _link) is { } link)
        {
            try
            {
                await WriteToLinkAsync(link, new TopicFrame(subscribe: false, subscription.Topic), answer: null, WriteKind.Command, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JanusConnectionClosedException or ObjectDisposedException)
            {
                // The connection went: a new one will not subscribe to the topic again.
            }
        }
    }

    /// <summary>
    /// A protected topic was refused or its subscription ended (docs/security.md#authorization): the topic leaves the
    /// client, and each of its subscriptions' streams ends with <paramref name="error"/>. Other topics are untouched.
    /// </summary>
    private void EndTopic(TopicState state, JanusAuthorizationException error)
    {
        JanusSubscription[] ended = [];
        lock (_topicsLock)
        {
            if (_topics.TryGetValue(state.Topic, out TopicState? registered) && ReferenceEquals(registered, state))
            {
                _topics.Remove(state.Topic);
                ended = state.Subscriptions;
            }
        }

        foreach (JanusSubscription subscription in ended)
        {
            subscription.Complete(error);
        }
    }

    /// <summary>The topic error <paramref name="error"/> ended a live subscription (not an answer to a subscribe).</summary>
    private void EndTopic(string topic, JanusAuthorizationException error)
    {
        TopicState? state;
        lock (_topicsLock)
        {
            _topics.TryGetValue(topic, out state);
        }

        if (state is not null)
        {
            ClientLog.TopicEnded(_logger, topic, error.Code);
            EndTopic(state, error);
        }
    }

    private TopicState GetOrAddTopic(string topic)
    {
        if (!_topics.TryGetValue(topic, out TopicState? state))
        {
            state = new TopicState(topic);
            _topics.Add(topic, state);
        }

        return state;
    }

    /// <summary>
    /// Sends a subscribe and waits for its answer. If the connection drops before the answer, the client is
    /// reconnecting and sends it again on the next connection (restoring topics there may have done so already).
    /// </summary>
    private async Task SubscribeOnWireAsync(TopicState state, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The topic rides along as the answer's state: a topic error is matched to its subscribe by it.
            var answer = new TaskCompletionSource<SubscribeAnswer>(state.Topic, TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await WriteFrameAsync(new TopicFrame(subscribe: true, state.Topic), answer, WriteKind.Command, cancellationToken).ConfigureAwait(false);
                SubscribeAnswer answered = await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (answered.Refusal is { } refusal)
                {
                    EndTopic(state, refusal);
                    throw refusal;
                }

                lock (_topicsLock)
                {
                    state.Apply(answered.Position, answered.Recovered);
                    state.Confirmed = true;
                }

                return;
            }
            catch (JanusConnectionClosedException) when (Volatile.Read(ref _closedError) is null && _reconnect.Enabled)
            {
                // The connection dropped under the subscribe; the client is reconnecting. Try again on the next one.
            }
        }
    }
}
