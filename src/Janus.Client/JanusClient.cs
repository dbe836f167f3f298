using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Janus.Client.Connection;
using Janus.Client.Logging;
using Janus.Client.Subscriptions;
using Janus.Protocol.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Janus.Client;

/// <summary>
/// A client of a Janus server over its TCP protocol: subscribe to topics and read each one's messages as an async
/// stream, publish, and stay connected: it reconnects by itself and resumes its session (docs/sessions.md).
/// </summary>
/// <remarks>
/// <para>Connect with <see cref="ConnectAsync(EndPoint, JanusClientOptions?, CancellationToken)"/>, or create one with
/// <see cref="JanusClient(JanusClientOptions)"/> (or <c>services.AddJanusClient(…)</c>) and let the first call
/// connect. Read a topic with <c>await foreach (var m in client.SubscribeAsync("news", ct))</c>; several topics in one
/// stream with <see cref="AddTopicAsync"/> and <see cref="Messages"/>.</para>
/// <para>One receive loop per connection reads the socket, answers the server's <c>PING</c>s, completes subscribes
/// as their answers arrive and hands messages to the streams. It never waits for the application: each stream is
/// bounded and drops what does not fit (<see cref="JanusClientOptions.MessageBufferFullMode"/>), so a stream nobody
/// reads cannot hold up another stream, a subscribe or a heartbeat.</para>
/// <para>When the connection drops the client reconnects with backoff (<see cref="JanusClientOptions.Reconnect"/>),
/// resumes its session with its last position in each topic, or subscribes again from those positions, and reports
/// through <see cref="Reconnected"/> whether anything was missed. Calls made meanwhile wait for the new connection.</para>
/// <para>Every method is safe to call from several threads at once; writes are serialised, each frame goes out whole.</para>
/// </remarks>
public sealed partial class JanusClient : IAsyncDisposable
{
    // Distinct topic and event names kept as shared strings per client.
    private const int StringCacheCapacity = 1024;

    private readonly JanusClientOptions _options;
    private readonly EndPoint _endPoint;
    private readonly string _endPointText;
    private readonly System.Net.Security.SslClientAuthenticationOptions? _tls;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<JanusMessage> _messages;
    private readonly Dictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly Lock _topicsLock = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CommandWriter _commands = new();
    private readonly Utf8StringCache _strings = new(StringCacheCapacity);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stateLock = new();
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _eventPump;
    private readonly JanusRawMessageHandler? _rawHandler;
    private readonly JanusReconnectOptions _reconnect;
    private readonly bool _prefixEveryWrite;
    private readonly bool _answerPings;
    private readonly int _maxMessageBytes;
    private readonly TimeSpan _closeTimeout;
    private TaskCompletionSource<Link> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Link? _link;
    private Link? _lastLink;
    private Task? _connecting;
    private Task _reconnectLoop = Task.CompletedTask;
    private ITimer? _heartbeat;
    private Exception? _closedError;
    private string? _sessionToken;
    private bool _sessionsSupported;
    private JanusConnectionState _state;
    private volatile bool _disposing;
    private volatile bool _wroteSinceHeartbeat;
    private int _disposed;
    private long _droppedMessages;
    private long _clientWideDropped;
    private long _duplicatesDropped;

    /// <summary>
    /// Creates a client for the server named by <see cref="JanusClientOptions.EndPoint"/> or
    /// <see cref="JanusClientOptions.Host"/> and <see cref="JanusClientOptions.Port"/>. It connects on
    /// <see cref="ConnectAsync(CancellationToken)"/> or on the first call that needs the connection.
    /// </summary>
    /// <param name="options">The settings; read once, here.</param>
    public JanusClient(JanusClientOptions options)
        : this(options, endPoint: null)
    {
    }

    private JanusClient(JanusClientOptions options, EndPoint? endPoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _endPoint = endPoint ?? options.ResolveEndPoint();
        _endPointText = _endPoint.ToString() ?? string.Empty;
        _tls = options.CreateTlsOptions(_endPoint);
        _time = options.TimeProvider;
        _logger = options.LoggerFactory?.CreateLogger("Janus.Client") ?? NullLogger.Instance;
        _rawHandler = options.RawMessageHandler;
        _reconnect = options.Reconnect;
        _sessionsSupported = options.Sessions;
        _prefixEveryWrite = options.RegularSocketPrefix == RegularSocketPrefixMode.EveryWrite;
        _answerPings = options.AnswerPings;
        _maxMessageBytes = options.MaxMessageBytes;
        _closeTimeout = options.CloseTimeout;
        _messages = Channel.CreateBounded<JanusMessage>(
            new BoundedChannelOptions(options.MessageBufferCapacity)
            {
                FullMode = options.MessageBufferFullMode,
                SingleWriter = true,
                SingleReader = false,

                // Never run the application's continuation on the receive loop.
                AllowSynchronousContinuations = false,
            },
            _ => OnMessageDropped("client-wide Messages"));
        _eventPump = PumpEventsAsync();
    }

    /// <summary>
    /// The connection changed state: <see cref="JanusConnectionState.Connected"/>,
    /// <see cref="JanusConnectionState.Reconnecting"/> after a drop, <see cref="JanusConnectionState.Closed"/> at the
    /// end. Raised in order, one at a time, off the receive loop (a slow handler delays other events, not messages).
    /// </summary>
    public event EventHandler<JanusConnectionStateChangedEventArgs>? ConnectionStateChanged;

    /// <summary>
    /// The client is connected again after a drop, with its subscriptions in place, and says whether it recovered
    /// everything (<see cref="JanusReconnectedEventArgs.Recovered"/>, per topic in
    /// <see cref="JanusReconnectedEventArgs.Topics"/>). Raised like <see cref="ConnectionStateChanged"/>.
    /// </summary>
    public event EventHandler<JanusReconnectedEventArgs>? Reconnected;

    /// <summary>
    /// The session token: from the server's greeting (32 lowercase hex characters from Janus for .NET), or, after a
    /// resume, the token of the session the client took back. Empty before the first connection.
    /// </summary>
    public string Token => _sessionToken ?? _lastLink?.Token ?? string.Empty;

    /// <summary>The server's clock when it greeted the current connection (UTC, to the microsecond).</summary>
    public DateTimeOffset GreetingTime => _lastLink?.GreetingTime ?? default;

    /// <summary>The client's end of the current connection (address and port).</summary>
    public EndPoint? LocalEndPoint => _lastLink?.LocalEndPoint;

    /// <summary>The server's end of the current connection.</summary>
    public EndPoint? RemoteEndPoint => _lastLink?.RemoteEndPoint;

    /// <summary>True while a connection is up; false before it, while reconnecting, and after the end.</summary>
    public bool IsConnected => Volatile.Read(ref _link) is not null && Volatile.Read(ref _closedError) is null;

    /// <summary>Where the connection stands.</summary>
    public JanusConnectionState State => _state;

    /// <summary>True when the current connection opted in to sessions (the server answered <c>hello</c> or <c>resume</c>).</summary>
    public bool SessionsEnabled => _lastLink?.OptedIn ?? false;

    /// <summary>
    /// Messages dropped because a stream was full (the client-wide one or a subscription's), under
    /// <see cref="JanusClientOptions.MessageBufferFullMode"/>.
    /// </summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>Deliveries at or before the topic's position that the client dropped as duplicates (0 from a correct server).</summary>
    internal long DuplicatesDropped => Interlocked.Read(ref _duplicatesDropped);

    /// <summary>
    /// Completes when the client ends: successfully after <see cref="DisposeAsync"/>, faulted with
    /// <see cref="JanusProtocolException"/> or <see cref="JanusConnectionClosedException"/> otherwise (a refusal, a
    /// drop with reconnect off, or reconnect attempts run out).
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Connects to a Janus server by host name or address and reads its greeting.</summary>
    /// <inheritdoc cref="ConnectAsync(EndPoint, JanusClientOptions?, CancellationToken)" path="/exception"/>
    /// <param name="host">A host name or an IP address.</param>
    /// <param name="port">The server's TCP protocol port (8081 by default).</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static Task<JanusClient> ConnectAsync(string host, int port, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        return ConnectAsync(JanusClientOptions.ToEndPoint(host, port), options, cancellationToken);
    }

    /// <summary>
    /// Connects (TCP_NODELAY, from <see cref="JanusClientOptions.LocalAddress"/> if set), sends the
    /// <c>&lt;regular-socket/&gt;</c> prefix as the original clients did, reads the server's greeting and opts in to
    /// sessions when the server offers them.
    /// </summary>
    /// <param name="endPoint">The server: an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>A connected client; dispose it to close the connection.</returns>
    /// <exception cref="SocketException">The TCP connection could not be made.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">With <see cref="JanusClientOptions.UseTls"/>: the TLS handshake failed, e.g. the server's certificate is not valid for <see cref="JanusClientOptions.TlsTargetHost"/>.</exception>
    /// <exception cref="TimeoutException">No greeting within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="JanusProtocolException">The server answered with an error frame instead of a greeting.</exception>
    /// <exception cref="JanusConnectionClosedException">The server closed the connection before greeting.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<JanusClient> ConnectAsync(EndPoint endPoint, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var client = new JanusClient(options ?? JanusClientOptions.Default, endPoint);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.CloseAsync(graceful: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Connects, if this client has not connected yet; completes at once if it has. Every other call connects on its
    /// own when needed, so calling this is only a way to connect early and see a failure early.
    /// </summary>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <inheritdoc cref="ConnectAsync(EndPoint, JanusClientOptions?, CancellationToken)" path="/exception"/>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        Task connecting;
        lock (_stateLock)
        {
            ThrowIfClosed();
            connecting = _connecting ??= ConnectCoreAsync(cancellationToken);
        }

        try
        {
            await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (connecting.IsFaulted || connecting.IsCanceled)
        {
            // A failed first connect may be tried again by the next call.
            lock (_stateLock)
            {
                if (ReferenceEquals(_connecting, connecting))
                {
                    _connecting = null;
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Ends the client: ends the session on purpose (<c>bye</c>) when it has one, closes its side of the stream after
    /// what was written, waits up to <see cref="JanusClientOptions.CloseTimeout"/> for the server to close its side,
    /// then releases the socket. Stops reconnecting. Buffered messages can still be read; the streams then end
    /// normally.
    /// </summary>
    public ValueTask DisposeAsync() => CloseAsync(graceful: true);

    private async Task ConnectCoreAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _stopping.Token);
        Link link;
        try
        {
            (link, _) = await OpenLinkAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No greeting from the Janus server at {_endPoint} within {_options.ConnectTimeout.TotalSeconds:0.###} s.", ex);
        }

        if (!TryMakeCurrent(link))
        {
            await CloseLinkAsync(link).ConfigureAwait(false);
            throw CreateClosedException();
        }

        StartHeartbeat(_options.HeartbeatInterval);
        ClientLog.Connected(_logger, _endPointText, link.OptedIn);
        RaiseStateChanged(JanusConnectionState.Connected, error: null);
    }

    /// <summary>Makes a link that is open (greeted, opted in, subscriptions restored) the one calls use; false if the client ended or the link died meanwhile.</summary>
    private bool TryMakeCurrent(Link link)
    {
        lock (_stateLock)
        {
            if (_closedError is not null || _disposing || link.Ended is not null)
            {
                return false;
            }

            _link = link;
            _lastLink = link;
            _state = JanusConnectionState.Connected;
            if (!_ready.TrySetResult(link))
            {
                _ready = new TaskCompletionSource<Link>(TaskCreationOptions.RunContinuationsAsynchronously);
                _ready.TrySetResult(link);
            }

            return true;
        }
    }

    private async ValueTask CloseAsync(bool graceful)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _completion.Task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            return;
        }

        _disposing = true;
        CancelStopping();
        Link? link = Volatile.Read(ref _link);
        if (graceful && link is not null && link.Ended is null && _closedError is null)
        {
            if (link.OptedIn)
            {
                // A session left without bye waits for a resume for the whole grace period; this one is over.
                try
                {
                    await WriteToLinkAsync(link, SessionFrame.Bye, answer: null, WriteKind.Command, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is JanusConnectionClosedException or ObjectDisposedException)
                {
                    // Gone already: nothing to end.
                }
            }

            if (await CloseOutputAsync(link).ConfigureAwait(false))
            {
                // The server answers our FIN (or our bye) with its own, which ends the receive loop at the end of the stream.
                try
                {
                    await link.ReceiveLoop.WaitAsync(_closeTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // It did not: the connection is dropped below.
                }
            }
        }

        Terminate(error: null);
        try
        {
            await _reconnectLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        if (link is not null)
        {
            await CloseLinkAsync(link).ConfigureAwait(false);
        }

        // Writers that were mid-flush have failed on the disposed socket by now.
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _commands.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }

        _events.Writer.TryComplete();
        await _eventPump.ConfigureAwait(false);
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
            // Disposed at the end of DisposeAsync: nothing left to stop.
        }
    }

    /// <summary>
    /// Ends the client's life once: fails or completes everything that waits on it and stops the current connection.
    /// <paramref name="error"/> is null for an ending the application asked for.
    /// </summary>
    private void Terminate(Exception? error)
    {
        ITimer? heartbeat;
        Link? link;
        TaskCompletionSource<Link> ready;
        JanusSubscription[] subscriptions;
        lock (_stateLock)
        {
            if (_closedError is not null)
            {
                return;
            }

            _closedError = error ?? new ObjectDisposedException(nameof(JanusClient));
            _state = JanusConnectionState.Closed;
            heartbeat = _heartbeat;
            link = _link;
            _link = null;
            ready = _ready;
        }

        heartbeat?.Dispose();
        if (ready.TrySetException(_closedError))
        {
            _ = ready.Task.Exception;
        }

        lock (_topicsLock)
        {
            subscriptions = [.. _topics.Values.SelectMany(t => t.Subscriptions)];
        }

        _messages.Writer.TryComplete(error);
        foreach (JanusSubscription subscription in subscriptions)
        {
            subscription.Complete(error);
        }

        if (error is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            ClientLog.Closed(_logger, error.Message);
            if (_completion.TrySetException(error))
            {
                // Completion is there to be looked at, not a fault to report if nobody does.
                _ = _completion.Task.Exception;
            }
        }

        CancelStopping();
        link?.Abort(reason: null);
        RaiseStateChanged(JanusConnectionState.Closed, error);
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closedError) is not null)
        {
            throw CreateClosedException();
        }
    }

    /// <summary>A fresh exception for a call that runs into the ended client.</summary>
    private Exception CreateClosedException() => Volatile.Read(ref _closedError) switch
    {
        JanusConnectionClosedException closed => closed.Recreate(),
        _ => new ObjectDisposedException(nameof(JanusClient)),
    };

    private void OnMessageDropped(string stream)
    {
        Interlocked.Increment(ref _droppedMessages);
        if (Interlocked.Increment(ref _clientWideDropped) == 1)
        {
            ClientLog.StreamFull(_logger, stream);
        }
    }

    internal void OnSubscriptionDropped(string topic, long droppedSoFar)
    {
        Interlocked.Increment(ref _droppedMessages);
        if (droppedSoFar == 1)
        {
            ClientLog.StreamFull(_logger, "subscription to " + topic);
        }
    }

    private void RaiseStateChanged(JanusConnectionState state, Exception? error)
    {
        var args = new JanusConnectionStateChangedEventArgs(state, error);
        _events.Writer.TryWrite(() => ConnectionStateChanged?.Invoke(this, args));
    }

    private void RaiseReconnected(JanusReconnectedEventArgs args) =>
        _events.Writer.TryWrite(() => Reconnected?.Invoke(this, args));

    /// <summary>Runs event handlers one at a time, in order, away from the receive loop.</summary>
    private async Task PumpEventsAsync()
    {
        await Task.Yield();
        await foreach (Action raise in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                raise();
            }
#pragma warning disable CA1031 // An application's handler must not take the client down with it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ClientLog.EventHandlerFailed(_logger, ex);
            }
        }
    }
}
