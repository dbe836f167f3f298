using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Janus.Client.Subscriptions;

namespace Janus.Client;

/// <summary>
/// One subscription to a topic with its own message stream, from
/// <see cref="JanusClient.SubscribeCoreAsync(string, CancellationToken)"/> (or behind
/// <see cref="JanusClient.SubscribeAsync(string, CancellationToken)"/>). Enumerate it to read the topic's messages in
/// order; dispose it to unsubscribe. It survives reconnects: the client resubscribes (or resumes) it.
/// </summary>
/// <remarks>
/// The stream is bounded (<see cref="JanusClientOptions.MessageBufferCapacity"/>) and never makes the client wait: when
/// it is full, <see cref="JanusClientOptions.MessageBufferFullMode"/> drops a message and
/// <see cref="DroppedMessages"/> counts it. A subscription nobody reads therefore costs its buffer and nothing else:
/// other subscriptions, answers and heartbeats go on.
/// </remarks>
public sealed class JanusSubscription : IAsyncEnumerable<JanusMessage>, IAsyncDisposable
{
    private readonly JanusClient _client;
    private readonly Channel<JanusMessage> _messages;
    private long _dropped;
    private int _disposed;

    internal JanusSubscription(JanusClient client, string topic, int capacity, BoundedChannelFullMode fullMode)
    {
        _client = client;
        Topic = topic;
        _messages = Channel.CreateBounded<JanusMessage>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = fullMode,
                SingleWriter = true,
                SingleReader = false,

                // Never run the application's continuation on the receive loop.
                AllowSynchronousContinuations = false,
            },
            _ => client.OnSubscriptionDropped(topic, Interlocked.Increment(ref _dropped)));
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The buffered messages, for readers that want the channel itself.</summary>
    public ChannelReader<JanusMessage> Reader => _messages.Reader;

    /// <summary>Messages dropped because this subscription's buffer was full.</summary>
    public long DroppedMessages => Interlocked.Read(ref _dropped);

    internal TopicState? State { get; set; }

    /// <summary>
    /// The topic's messages, in order. Ends normally when the subscription is disposed or the topic unsubscribed, and
    /// throws <see cref="JanusConnectionClosedException"/> (after the buffered messages) when the client ends.
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration (the subscription stays).</param>
    public IAsyncEnumerable<JanusMessage> ReadAllAsync(CancellationToken cancellationToken = default) => _messages.Reader.ReadAllAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerator<JanusMessage> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _messages.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Waits for the next message.</summary>
    /// <exception cref="JanusConnectionClosedException">The client ended.</exception>
    /// <exception cref="ObjectDisposedException">The subscription was disposed.</exception>
    public async ValueTask<JanusMessage> ReadMessageAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_messages.Reader.TryRead(out JanusMessage? message))
            {
                return message;
            }

            if (!await _messages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await _messages.Reader.Completion.ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(JanusSubscription));
            }
        }
    }

    /// <summary>Takes a buffered message if there is one, without waiting.</summary>
    public bool TryReadMessage([NotNullWhen(true)] out JanusMessage? message) => _messages.Reader.TryRead(out message);

    /// <summary>
    /// Ends the subscription: its stream ends after what it buffered, and the client unsubscribes from the topic
    /// when no other subscription (and not the client-wide stream) takes it.
    /// </summary>
    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _disposed, 1) == 0 ? _client.RemoveSubscriptionAsync(this) : ValueTask.CompletedTask;

    /// <summary>Hands a message over; never waits (the drop modes always accept).</summary>
    internal void Deliver(JanusMessage message) => _messages.Writer.TryWrite(message);

    /// <summary>Ends the stream, with the client's error or normally.</summary>
    internal void Complete(Exception? error) => _messages.Writer.TryComplete(error);
}
