using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Janus.Client.Connection;
using Janus.Client.Framing;
using Janus.Protocol;

namespace Janus.Client;

/// <summary>
/// A connection to a Janus server over its TCP protocol: subscribe to topics, receive what is published to them as
/// an async stream, publish.
/// </summary>
/// <remarks>
/// <para>Connect with <see cref="ConnectAsync(EndPoint, JanusClientOptions?, CancellationToken)"/>; the returned
/// client has read the server's greeting (<see cref="Token"/>, <see cref="GreetingTime"/>). Read
/// <see cref="Messages"/> (or <see cref="ReadMessageAsync"/>) while you subscribe: one receive loop reads the
/// socket, answers the server's <c>PING</c>s, completes subscribes as their <c>ACK</c>s arrive and buffers messages
/// for the application.</para>
/// <para>Every method is safe to call from several threads at once; writes are serialised, each frame goes out whole.</para>
/// <para>When the connection ends, every pending operation, the message stream (after what it had buffered) and every
/// later call fail with <see cref="JanusProtocolException"/> if the server closed it with an error frame, or
/// <see cref="JanusConnectionClosedException"/> if it closed or dropped it otherwise. After
/// <see cref="DisposeAsync"/> the stream ends normally and calls throw <see cref="ObjectDisposedException"/>.</para>
/// <para>The receive path allocates nothing per message beyond the <see cref="JanusMessage"/> and its array (or
/// nothing at all with <see cref="JanusClientOptions.RawMessageHandler"/>): the socket is read through a
/// <see cref="PipeReader"/>, messages are found with a vectorised scan for 0x01 and read with
/// <see cref="Utf8JsonReader"/>, and topic and event names come from a per-connection string cache.</para>
/// </remarks>
public sealed class JanusClient : IAsyncDisposable
{
    // Distinct topic and event names kept as shared strings per connection.
    private const int StringCacheCapacity = 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly TimeProvider _time;
    private readonly Channel<JanusMessage> _messages;
    private readonly AckQueue _acks = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CommandWriter _commands = new();
    private readonly Utf8StringCache _strings = new(StringCacheCapacity);
    private readonly TaskCompletionSource _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stateLock = new();
    private readonly JanusRawMessageHandler? _rawHandler;
    private readonly bool _prefixEveryWrite;
    private readonly bool _answerPings;
    private readonly int _maxMessageBytes;
    private readonly TimeSpan _closeTimeout;
    private Task _receiveLoop = Task.CompletedTask;
    private ITimer? _heartbeat;
    private Exception? _closedError;
    private JanusProtocolException? _protocolError;
    private string _token = string.Empty;
    private DateTimeOffset _greetingTime;
    private bool _greeted;
    private bool _outputClosed;
    private volatile bool _disposing;
    private volatile bool _expectingClose;
    private volatile bool _wroteSinceHeartbeat;
    private int _disposed;
    private long _droppedMessages;

    private JanusClient(Socket socket, JanusClientOptions options)
    {
        _socket = socket;
        _time = options.TimeProvider;
        _rawHandler = options.RawMessageHandler;
        _prefixEveryWrite = options.RegularSocketPrefix == RegularSocketPrefixMode.EveryWrite;
        _answerPings = options.AnswerPings;
        _maxMessageBytes = options.MaxMessageBytes;
        _closeTimeout = options.CloseTimeout;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _stream = new NetworkStream(socket, ownsSocket: false);

        // Zero-byte reads: an idle connection waits without holding a receive buffer (20,000 idle clients hold none).
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(
            bufferSize: options.ReceiveBufferSize,
            minimumReadSize: Math.Min(1024, options.ReceiveBufferSize),
            leaveOpen: true,
            useZeroByteReads: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        _messages = Channel.CreateBounded<JanusMessage>(
            new BoundedChannelOptions(options.MessageBufferCapacity)
            {
                FullMode = options.MessageBufferFullMode,
                SingleWriter = true,
                SingleReader = false,

                // Never run the application's continuation on the receive loop.
                AllowSynchronousContinuations = false,
            },
            OnMessageDropped);
    }

    /// <summary>The session token from the server's greeting (32 lowercase hex characters from Janus for .NET).</summary>
    public string Token => _token;

    /// <summary>The server's clock when it greeted this client, from the greeting's <c>timestamp</c> (UTC, to the microsecond).</summary>
    public DateTimeOffset GreetingTime => _greetingTime;

    /// <summary>The client's end of the connection (address and port).</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>The server's end of the connection.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>True until the connection ends (server close, error, network failure or <see cref="DisposeAsync"/>).</summary>
    public bool IsConnected => Volatile.Read(ref _closedError) is null;

    /// <summary>
    /// Messages dropped because the buffer was full, under one of the drop modes of
    /// <see cref="JanusClientOptions.MessageBufferFullMode"/>.
    /// </summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>
    /// Completes when the connection ends: successfully after <see cref="DisposeAsync"/>, faulted with
    /// <see cref="JanusProtocolException"/> or <see cref="JanusConnectionClosedException"/> otherwise.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>The messages delivered to this client, in order; the same as <see cref="ReadAllAsync"/> without a token.</summary>
    public IAsyncEnumerable<JanusMessage> Messages => ReadAllAsync();

    /// <summary>Connects to a Janus server by host name or address and reads its greeting.</summary>
    /// <inheritdoc cref="ConnectAsync(EndPoint, JanusClientOptions?, CancellationToken)" path="/exception"/>
    /// <param name="host">A host name or an IP address.</param>
    /// <param name="port">The server's TCP protocol port (8081 by default).</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static Task<JanusClient> ConnectAsync(string host, int port, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        EndPoint endPoint = IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        return ConnectAsync(endPoint, options, cancellationToken);
    }

    /// <summary>
    /// Connects (TCP_NODELAY, from <see cref="JanusClientOptions.LocalAddress"/> if set), sends the
    /// <c>&lt;regular-socket/&gt;</c> prefix as the original clients did, and reads the server's greeting.
    /// </summary>
    /// <param name="endPoint">The server: an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>A connected client; dispose it to close the connection.</returns>
    /// <exception cref="SocketException">The TCP connection could not be made.</exception>
    /// <exception cref="TimeoutException">No greeting within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="JanusProtocolException">The server answered with an error frame instead of a greeting.</exception>
    /// <exception cref="JanusConnectionClosedException">The server closed the connection before greeting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<JanusClient> ConnectAsync(EndPoint endPoint, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= JanusClientOptions.Default;
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = new CancellationTokenSource(options.ConnectTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        JanusClient? client = null;
        try
        {
            Socket socket = await SocketConnector.ConnectAsync(endPoint, options.LocalAddress, linked.Token).ConfigureAwait(false);
            client = new JanusClient(socket, options);
            client.StartReceiving();
            if (options.RegularSocketPrefix != RegularSocketPrefixMode.None)
            {
                await client.WriteFrameAsync(new KeywordFrame(KeywordFrame.Keyword.RegularSocket), ack: null, WriteKind.ConnectPrefix, linked.Token).ConfigureAwait(false);
            }

            await client._greeting.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            client.StartHeartbeat(options.HeartbeatInterval);
            return client;
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (client is not null)
            {
                await client.CloseAsync(graceful: false).ConfigureAwait(false);
            }

            throw new TimeoutException($"No greeting from the Janus server at {endPoint} within {options.ConnectTimeout.TotalSeconds:0.###} s.", ex);
        }
        catch
        {
            if (client is not null)
            {
                await client.CloseAsync(graceful: false).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Subscribes to <paramref name="topic"/>: sends <c>{"action":"subscribe","data":topic}</c> and completes when
    /// the server's <c>ACK</c> for it arrives. Messages published to the topic after that reach <see cref="Messages"/>.
    /// Subscribing twice is harmless (acknowledged again, delivered once).
    /// </summary>
    /// <remarks>
    /// Cancelling stops the wait, not the subscribe: once the frame is written the server registers it. The
    /// <c>ACK</c> is read by the receive loop, so with <see cref="BoundedChannelFullMode.Wait"/> and a full message
    /// buffer it waits until the application reads.
    /// </remarks>
    /// <param name="topic">The topic; not empty. The server refuses names past its limit (256 characters by default).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="JanusProtocolException">The server refused the subscribe (e.g. <see cref="ProtocolError.InvalidTopic"/>, <see cref="ProtocolError.TooManySubscriptions"/>) and closed the connection.</exception>
    /// <exception cref="JanusConnectionClosedException">The connection ended before the <c>ACK</c>.</exception>
    public async Task SubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await WriteFrameAsync(new TopicFrame(subscribe: true, topic), ack, WriteKind.Command, cancellationToken).ConfigureAwait(false);
        await ack.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Unsubscribes from <paramref name="topic"/>: sends <c>{"action":"unsubscribe","data":topic}</c>. The protocol
    /// has no reply to it, so this completes once the frame is written; messages the server queued before it read
    /// the frame may still arrive. A later <see cref="SubscribeAsync"/> completing proves the server has read it.
    /// </summary>
    /// <param name="topic">The topic; not empty.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn.</param>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    public ValueTask UnsubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return WriteFrameAsync(new TopicFrame(subscribe: false, topic), ack: null, WriteKind.Command, cancellationToken);
    }

    /// <summary>
    /// Publishes over this connection with the JSON action
    /// <c>{"action":"publish","topic":T,"event":E,"message_id":M,"data":D}</c>; the connection stays open. The
    /// server does not reply: this completes once the frame is written. A refusal (e.g.
    /// <see cref="ProtocolError.PublishForbidden"/> from an untrusted address) closes the connection and surfaces as
    /// <see cref="JanusProtocolException"/> on the stream and on the next call.
    /// </summary>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="utf8JsonData">The <c>data</c>: one JSON value in UTF-8, passed through to subscribers (compacted); empty means <c>null</c>.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn; a frame once started is written whole.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8JsonData"/> is not one JSON value.</exception>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    public ValueTask PublishAsync(string topic, string? eventName, string? messageId, ReadOnlyMemory<byte> utf8JsonData, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RawJsonData.Validate(utf8JsonData);
        return WriteFrameAsync(new PublishFrame<RawJsonData>(keyword: false, topic, eventName, messageId, new RawJsonData(utf8JsonData)), ack: null, WriteKind.Command, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(string, string?, string?, ReadOnlyMemory{byte}, CancellationToken)" path="/summary"/>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>: any JSON value.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn; a frame once started is written whole.</param>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    public ValueTask PublishAsync(string topic, string? eventName, string? messageId, JsonElement data, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return WriteFrameAsync(new PublishFrame<ElementJsonData>(keyword: false, topic, eventName, messageId, new ElementJsonData(data)), ack: null, WriteKind.Command, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(string, string?, string?, ReadOnlyMemory{byte}, CancellationToken)" path="/summary"/>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>, serialized straight into the frame.</param>
    /// <param name="dataTypeInfo">How to serialize it (from a source-generated <c>JsonSerializerContext</c>).</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn; a frame once started is written whole.</param>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    public ValueTask PublishAsync<T>(string topic, string? eventName, string? messageId, T data, JsonTypeInfo<T> dataTypeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(dataTypeInfo);
        return WriteFrameAsync(new PublishFrame<TypedJsonData<T>>(keyword: false, topic, eventName, messageId, new TypedJsonData<T>(data, dataTypeInfo)), ack: null, WriteKind.Command, cancellationToken);
    }

    /// <summary>
    /// Publishes the way the original bot did: connects, sends <c>PUBLISH</c> + NUL + the JSON body
    /// <c>{"topic":T,"event":E,"message_id":M,"data":D}</c>, ends its side of the stream, and completes when the
    /// server has closed the connection (which it does once it has taken the publish).
    /// </summary>
    /// <remarks>
    /// The protocol has no acknowledgement for a publish: a refusal comes as an error frame (and throws), but a server
    /// that closes without one, e.g. while shutting down, is indistinguishable from one that took the publish.
    /// </remarks>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="utf8JsonData">The <c>data</c>: one JSON value in UTF-8; empty means <c>null</c>.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8JsonData"/> is not one JSON value.</exception>
    /// <exception cref="JanusProtocolException">The server refused the publish (e.g. <see cref="ProtocolError.PublishForbidden"/>, <see cref="ProtocolError.InvalidTopic"/>).</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    public static Task PublishOnceAsync(EndPoint endPoint, string topic, string? eventName, string? messageId, ReadOnlyMemory<byte> utf8JsonData, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RawJsonData.Validate(utf8JsonData);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<RawJsonData>(keyword: true, topic, eventName, messageId, new RawJsonData(utf8JsonData)), options, cancellationToken);
    }

    /// <inheritdoc cref="PublishOnceAsync(EndPoint, string, string?, string?, ReadOnlyMemory{byte}, JanusClientOptions?, CancellationToken)" path="/summary"/>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>: any JSON value.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="JanusProtocolException">The server refused the publish.</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    public static Task PublishOnceAsync(EndPoint endPoint, string topic, string? eventName, string? messageId, JsonElement data, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<ElementJsonData>(keyword: true, topic, eventName, messageId, new ElementJsonData(data)), options, cancellationToken);
    }

    /// <inheritdoc cref="PublishOnceAsync(EndPoint, string, string?, string?, ReadOnlyMemory{byte}, JanusClientOptions?, CancellationToken)" path="/summary"/>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>, serialized straight into the frame.</param>
    /// <param name="dataTypeInfo">How to serialize it (from a source-generated <c>JsonSerializerContext</c>).</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="JanusProtocolException">The server refused the publish.</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    public static Task PublishOnceAsync<T>(EndPoint endPoint, string topic, string? eventName, string? messageId, T data, JsonTypeInfo<T> dataTypeInfo, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(dataTypeInfo);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<TypedJsonData<T>>(keyword: true, topic, eventName, messageId, new TypedJsonData<T>(data, dataTypeInfo)), options, cancellationToken);
    }

    /// <summary>
    /// The messages delivered to this client, in order, as they arrive. Several readers may enumerate at once; each
    /// message goes to one of them. The stream ends normally after <see cref="DisposeAsync"/>, and throws
    /// <see cref="JanusProtocolException"/> or <see cref="JanusConnectionClosedException"/> (after the messages
    /// buffered before it) when the connection ends otherwise. Empty when
    /// <see cref="JanusClientOptions.RawMessageHandler"/> is set.
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration (the connection stays open).</param>
    public IAsyncEnumerable<JanusMessage> ReadAllAsync(CancellationToken cancellationToken = default) => _messages.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Waits for the next delivered message.</summary>
    /// <param name="cancellationToken">Stops the wait (the connection stays open and the message stays queued).</param>
    /// <exception cref="JanusProtocolException">The server closed the connection with an error frame.</exception>
    /// <exception cref="JanusConnectionClosedException">The connection ended.</exception>
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

    /// <summary>Takes a buffered message if there is one, without waiting.</summary>
    public bool TryReadMessage([NotNullWhen(true)] out JanusMessage? message) => _messages.Reader.TryRead(out message);

    /// <summary>
    /// Closes the connection cleanly: ends the client's side of the stream after what was written, waits up to
    /// <see cref="JanusClientOptions.CloseTimeout"/> for the server to close its side, then releases the socket.
    /// Messages already buffered can still be read; the stream then ends normally.
    /// </summary>
    public ValueTask DisposeAsync() => CloseAsync(graceful: true);

    private static async Task PublishOnceCoreAsync<TData>(EndPoint endPoint, PublishFrame<TData> frame, JanusClientOptions? options, CancellationToken cancellationToken)
        where TData : IJsonData
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        TimeSpan timeout = (options ?? JanusClientOptions.Default).ConnectTimeout;
        JanusClient client = await ConnectAsync(endPoint, options, cancellationToken).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            // The server closes after a publish, and here that is the success the caller waits for.
            client._expectingClose = true;
            try
            {
                await client.WriteFrameAsync(frame, ack: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException ex)
            {
                // The close counted as expected, but it came before the publish went out.
                throw new JanusConnectionClosedException("The Janus server closed the connection before the publish was sent.", ex);
            }

            // The original bot closed right after its publish; the end of stream also ends the body for a server
            // that waits for it before taking a body without a NUL.
            await client.CloseOutputAsync().ConfigureAwait(false);
            await client._completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private void StartReceiving() => _receiveLoop = ReceiveLoopAsync();

    private void StartHeartbeat(TimeSpan? interval)
    {
        if (interval is not { } period)
        {
            return;
        }

        ITimer timer = _time.CreateTimer(static state => ((JanusClient)state!).OnHeartbeatTick(), this, period, period);
        lock (_stateLock)
        {
            if (_closedError is null)
            {
                _heartbeat = timer;
                return;
            }
        }

        timer.Dispose();
    }

    private void OnHeartbeatTick()
    {
        // Any frame since the last tick already told the server this client is alive; a write under way will too.
        if (_wroteSinceHeartbeat)
        {
            _wroteSinceHeartbeat = false;
            return;
        }

        if (_writeLock.CurrentCount == 0)
        {
            return;
        }

        _ = SendHeartbeatAsync();
    }

    private async Task SendHeartbeatAsync()
    {
        try
        {
            await WriteFrameAsync(new KeywordFrame(KeywordFrame.Keyword.Ping), ack: null, WriteKind.Heartbeat, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JanusConnectionClosedException or ObjectDisposedException)
        {
            // The end of the connection is reported through the stream, Completion and the next call.
        }
    }

    private enum WriteKind
    {
        /// <summary>An application command: prefixed when every write must be, and proof of life.</summary>
        Command,

        /// <summary>The prefix itself, sent once after connecting.</summary>
        ConnectPrefix,

        /// <summary>A heartbeat PING: prefixed when every write must be, but not activity (the next tick must ping again).</summary>
        Heartbeat,
    }

    /// <summary>
    /// Writes one frame whole: waits for the connection's write turn (the only place <paramref name="cancellationToken"/>
    /// applies), builds the frame, copies it into the pipe, registers the subscribe's ACK in write order, flushes.
    /// </summary>
    private async ValueTask WriteFrameAsync<TFrame>(TFrame frame, TaskCompletionSource? ack, WriteKind kind, CancellationToken cancellationToken)
        where TFrame : struct, IClientFrame
    {
        ThrowIfClosed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Exception? failure = null;
        try
        {
            ThrowIfClosed();
            ObjectDisposedException.ThrowIf(_outputClosed, this);

            // Built before anything reaches the pipe: if serializing throws, nothing was written.
            ReadOnlySpan<byte> bytes = _commands.Build(frame);
            try
            {
                if (_prefixEveryWrite && kind != WriteKind.ConnectPrefix)
                {
                    _output.Write(WireBytes.RegularSocket);
                    _output.Write([WireBytes.ClientDelimiter]);
                }

                _output.Write(bytes);
                if (ack is not null && !_acks.TryEnqueue(ack))
                {
                    throw CreateClosedException();
                }

                if (kind == WriteKind.Command)
                {
                    _wroteSinceHeartbeat = true;
                }

                // No token here: a frame once started is written whole, or the stream would be corrupt.
                FlushResult result = await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    failure = new IOException("The connection's output was closed.");
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                failure = ex;
            }
        }
        finally
        {
            _writeLock.Release();
        }

        if (failure is not null)
        {
            throw await WriteFailedAsync(failure).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A write failed. The server may have closed the connection with an error frame that the receive loop has not
    /// read yet: give it the chance, so the caller sees the server's reason rather than a broken pipe.
    /// </summary>
    private async Task<Exception> WriteFailedAsync(Exception failure)
    {
        try
        {
            await _receiveLoop.WaitAsync(_closeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop is stuck (full message buffer); the failure below stands.
        }

        Terminate(new JanusConnectionClosedException("The connection to the Janus server was lost.", failure));
        return CreateClosedException();
    }

    /// <summary>Ends the client's side of the stream (FIN) after what was written.</summary>
    private async Task<bool> CloseOutputAsync()
    {
        if (!await _writeLock.WaitAsync(_closeTimeout).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            if (_outputClosed)
            {
                return true;
            }

            _outputClosed = true;
            await _output.CompleteAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask CloseAsync(bool graceful)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _receiveLoop.ConfigureAwait(false);
            return;
        }

        _disposing = true;
        CancelStopping();
        if (graceful && IsConnected && await CloseOutputAsync().ConfigureAwait(false))
        {
            // The server answers our FIN with its own, which ends the receive loop at the end of the stream.
            try
            {
                await _receiveLoop.WaitAsync(_closeTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // It did not: the connection is dropped below.
            }
        }

        Terminate(error: null);
        await _receiveLoop.ConfigureAwait(false);

        // Writers that were mid-flush have failed on the disposed socket by now.
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_outputClosed)
            {
                _outputClosed = true;
                await _output.CompleteAsync().ConfigureAwait(false);
            }

            _commands.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void CancelStopping()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed after the receive loop ended: nothing left to stop.
        }
    }

    /// <summary>
    /// Ends the connection's life once: fails or completes everything that waits on it and stops the receive loop.
    /// <paramref name="error"/> is null for an ending the application asked for.
    /// </summary>
    private void Terminate(Exception? error)
    {
        ITimer? heartbeat;
        lock (_stateLock)
        {
            if (_closedError is not null)
            {
                return;
            }

            _closedError = error ?? new ObjectDisposedException(nameof(JanusClient));
            heartbeat = _heartbeat;
        }

        heartbeat?.Dispose();
        _acks.Fail(_closedError);
        if (_greeting.TrySetException(error ?? new ObjectDisposedException(nameof(JanusClient))))
        {
            _ = _greeting.Task.Exception;
        }

        _messages.Writer.TryComplete(error);
        if (error is null)
        {
            _completion.TrySetResult();
        }
        else if (_completion.TrySetException(error))
        {
            // Completion is there to be looked at, not a fault to report if nobody does.
            _ = _completion.Task.Exception;
        }

        CancelStopping();
        try
        {
            _input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The receive loop already finished with the reader.
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closedError) is not null)
        {
            throw CreateClosedException();
        }
    }

    /// <summary>A fresh exception for a call that runs into the ended connection.</summary>
    private Exception CreateClosedException() => Volatile.Read(ref _closedError) switch
    {
        JanusConnectionClosedException closed => closed.Recreate(),
        _ => new ObjectDisposedException(nameof(JanusClient)),
    };

    private void OnMessageDropped(JanusMessage message) => Interlocked.Increment(ref _droppedMessages);

    /// <summary>
    /// The receive loop: reads the socket through the pipe, splits on 0x01, handles each message. It owns the
    /// reading side and the socket, and it is the one place the connection's end is decided when the server ends it.
    /// </summary>
    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
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
                        ValueTask<bool> handled = HandleMessage(message, receivedAt);
                        stop = handled.IsCompletedSuccessfully ? handled.Result : await handled.ConfigureAwait(false);
                    }

                    if (!stop && buffer.Length > _maxMessageBytes)
                    {
                        throw new JanusConnectionClosedException($"The Janus server sent more than {_maxMessageBytes} bytes without a message delimiter.");
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (stop)
                {
                    error = _protocolError;
                    break;
                }

                if (result.IsCompleted)
                {
                    error = _disposing || _expectingClose ? null : new JanusConnectionClosedException("The Janus server closed the connection.");
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
            error = _disposing ? null : new JanusConnectionClosedException("The connection to the Janus server was lost.", ex);
        }
        catch (Exception ex)
        {
            // A raw message handler threw, or a bug: the connection cannot go on, and must not end silently.
            error = new JanusConnectionClosedException("The Janus client's receive loop failed; the connection was closed.", ex);
        }
        finally
        {
            Terminate(error);
            await _input.CompleteAsync().ConfigureAwait(false);
            _socket.Dispose();
        }
    }

    /// <summary>Handles one message; true when the receive loop must stop.</summary>
    private ValueTask<bool> HandleMessage(in ReadOnlySequence<byte> message, DateTimeOffset receivedAt)
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
                _acks.CompleteNext();
                return new ValueTask<bool>(false);
            }

            if (keyword.SequenceEqual(WireBytes.Ping))
            {
                return _answerPings && !_disposing ? AnswerPingAsync() : new ValueTask<bool>(false);
            }
        }

        if (_rawHandler is not null && _greeted)
        {
            return new ValueTask<bool>(HandleRaw(message, receivedAt));
        }

        return HandleJson(message.ToArray(), receivedAt);
    }

    private async ValueTask<bool> AnswerPingAsync()
    {
        try
        {
            await WriteFrameAsync(new KeywordFrame(KeywordFrame.Keyword.Pong), ack: null, WriteKind.Command, CancellationToken.None).ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is JanusConnectionClosedException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>A message for <see cref="JanusClientOptions.RawMessageHandler"/>, handed over without a copy when it sits in one segment.</summary>
    private bool HandleRaw(in ReadOnlySequence<byte> message, DateTimeOffset receivedAt)
    {
        if (message.IsSingleSegment)
        {
            return HandleRaw(message.FirstSpan, receivedAt);
        }

        int length = (int)message.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            message.CopyTo(rented);
            return HandleRaw(rented.AsSpan(0, length), receivedAt);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool HandleRaw(ReadOnlySpan<byte> message, DateTimeOffset receivedAt)
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

        switch (parsed.Kind)
        {
            case ServerMessageKind.Error:
                _protocolError = new JanusProtocolException(parsed.ErrorCode!, parsed.ErrorReason ?? string.Empty);
                return true;
            case ServerMessageKind.Delivery:
                _rawHandler!(message, receivedAt);
                return false;
            default:
                return false;
        }
    }

    private ValueTask<bool> HandleJson(byte[] raw, DateTimeOffset receivedAt)
    {
        if (!ServerMessageParser.TryParse(raw, _strings, out ServerMessage parsed))
        {
            throw Malformed();
        }

        switch (parsed.Kind)
        {
            case ServerMessageKind.Error:
                _protocolError = new JanusProtocolException(parsed.ErrorCode!, parsed.ErrorReason ?? string.Empty);
                return new ValueTask<bool>(true);
            case ServerMessageKind.Greeting when !_greeted:
                _token = parsed.Token!;
                _greetingTime = parsed.HasTimestamp ? parsed.Timestamp.ToDateTimeOffset() : default;
                _greeted = true;
                _greeting.TrySetResult();
                return new ValueTask<bool>(false);
            case ServerMessageKind.Delivery when _greeted:
                return Enqueue(new JanusMessage(raw, parsed, receivedAt));
            default:
                if (!_greeted)
                {
                    throw new JanusConnectionClosedException("The server did not open with a Janus greeting ({\"timestamp\":[…],\"token\":…}).");
                }

                // A message this client does not know: newer servers may add some.
                return new ValueTask<bool>(false);
        }
    }

    private ValueTask<bool> Enqueue(JanusMessage message)
    {
        // Once the application has asked to close, what still arrives has no reader.
        if (_disposing || _messages.Writer.TryWrite(message))
        {
            return new ValueTask<bool>(false);
        }

        // Only BoundedChannelFullMode.Wait gets here (the drop modes always accept): stop reading until there is room.
        return WaitToEnqueueAsync(message);
    }

    private async ValueTask<bool> WaitToEnqueueAsync(JanusMessage message)
    {
        try
        {
            await _messages.Writer.WriteAsync(message, _stopping.Token).ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return true;
        }
    }

    private static JanusConnectionClosedException Malformed() =>
        new("The Janus server sent a message that is not valid JSON; the connection was closed.");
}
