using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Limits;
using Janus.Server.Logging;
using Janus.Server.Metrics;
using Janus.Server.Sessions;

namespace Janus.Server.Transports;

/// <summary>
/// What every client connection shares, whatever its transport: the drain of the session's outbound queue into the
/// transport's <see cref="PipeWriter"/>, the close sequence, and the heartbeat checks.
/// </summary>
/// <remarks>
/// <para>The send loop is not a loop that waits: the connection is handed to the <see cref="SendScheduler"/> when
/// its queue goes from idle to busy. Each run takes a batch (up to 64 KiB), copies the frames into
/// the pipe and flushes once, so everything queued since the last write leaves in one write. Only a flush that does
/// not complete at once (the socket is full) costs an await; the idle path allocates nothing.</para>
/// <para>Only the drain touches the pipe writer, including its completion, so no lock guards it.</para>
/// <para>Closing: <see cref="BeginClose"/> stops the reader, lets the drain send what is queued plus an optional
/// error frame, completes the output, and arms a deadline after which the heartbeat sweep aborts the transport.</para>
/// </remarks>
public abstract class ClientConnection : IOutboundSink, ISessionConnection
{
    // The byte cap decides; this only bounds the thread-static batch array.
    private const int MaxBatchMessages = 1024;

    // Kestrel's output pipe pauses at 64 KiB: a batch of that size is one flush that never waits on a healthy socket.
    private const int MaxBatchBytes = 64 * 1024;

    [ThreadStatic]
    private static OutboundMessage?[]? t_batch;

    private readonly PipeWriter _output;
    private readonly TransportFraming _framing;
    private readonly TaskCompletionSource _drainStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private OutboundMessage? _finalFrame;
    private int _closeRequested;
    private int _outputFinished;
    private int _aborted;
    private long _closeDeadline;
    private long _lastReceived;
    private long _lastSent;
    private long _lastPing;
    private long _incompleteSince;
    private TokenBucket _publishes;
    private sbyte _publishLimited;
    private AddressConnections? _admission;
    private bool _holdsAdmission;
    private volatile bool _sendBacklogged;
    private ProtocolError _closeReason;
    private bool _endSession;
    private bool _parking;

    /// <summary>
    /// Binds a connection to its session and the writer its transport sends through; <paramref name="transport"/> is the
    /// transport's own connection object, whose event loop (if it has one) decides the sender.
    /// </summary>
    protected ClientConnection(ConnectionServices services, Session session, PipeWriter output, TransportFraming framing, TransportKind kind, EndPoint? remoteEndPoint, object? transport)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
        Session = session;
        _output = output;
        _framing = framing;
        Kind = kind;
        RemoteEndPoint = remoteEndPoint;
        _lastReceived = services.Clock.Now;
        _lastSent = _lastReceived;
        SenderAffinity = transport is ISenderAffinity loop ? loop.SenderAffinity : services.Senders.NextAffinity();
    }

    /// <summary>The shared services.</summary>
    protected ConnectionServices Services { get; }

    /// <summary>
    /// The sender thread this connection's drains are queued on (<see cref="SendScheduler"/>): the number of the event
    /// loop that reads it, for a connection of the epoll transport, so each loop's clients are written by one sender;
    /// round robin for the others.
    /// </summary>
    internal int SenderAffinity { get; }

    /// <summary>The session this connection carries.</summary>
    public Session Session { get; }

    /// <summary>The transport.</summary>
    public TransportKind Kind { get; }

    /// <summary>
    /// What the connection counts as in the connection counts: its <see cref="Kind"/>, except a dashboard page's own
    /// WebSocket, which is counted apart from client connections.
    /// </summary>
    protected virtual TransportKind CountedAs => Kind;

    /// <inheritdoc />
    public abstract bool MayPublish { get; }

    /// <inheritdoc />
    public virtual Security.PublishScope? PublishScope => null;

    /// <summary>The client's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Whether a close has begun.</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>Why the connection is closing (<see cref="ProtocolError.None"/> for an ordinary close).</summary>
    public ProtocolError CloseReason => _closeReason;

    /// <summary>
    /// Whether a server shutdown is announced with a <c>server_shutdown</c> error frame. WebSocket says it in its
    /// close frame instead; TCP only to a client that opted in (see <see cref="Tcp.TcpConnection"/>).
    /// </summary>
    internal virtual bool AnnouncesShutdown => false;

    /// <summary>
    /// Takes over the place <see cref="Limits.ConnectionLimiter.TryAdmit"/> gave this connection: it is given back when
    /// the connection is cleaned up, before the connection leaves the registry.
    /// </summary>
    private protected void HoldAdmission(AddressConnections? slot)
    {
        _admission = slot;
        _holdsAdmission = true;
    }

    /// <summary>Registers the connection and starts its queue; the greeting is the first thing sent.</summary>
    protected void Start(OutboundMessage greeting)
    {
        Session.AttachOwner(this);
        Services.Connections.Add(this);
        Services.Metrics.ConnectionOpened(CountedAs);
        Log.ConnectionOpened(Services.Logger, Session.Id, JanusMetrics.TransportName(CountedAs), RemoteEndPoint);
        Session.Queue.Attach(this);

        // Sent from this thread, which is awake anyway, rather than by waking a sender thread.
        using FanoutBatch batch = FanoutBatch.Begin();
        Send(greeting);
    }

    /// <summary>Queues a per-connection message (ACK, greeting, policy); false if the queue no longer takes messages.</summary>
    public bool Send(OutboundMessage message) => Session.Queue.TryEnqueue(message) == EnqueueResult.Queued;

    /// <summary>Notes that the client said something (any whole frame is proof of life; a part of one is not).</summary>
    protected void MarkReceived() => Volatile.Write(ref _lastReceived, Services.Clock.Now);

    /// <summary>
    /// After each read: <paramref name="completed"/> when a whole frame was taken (a sign of life, and the end of the
    /// frame in progress), <paramref name="incomplete"/> when a frame is left in progress, which then has
    /// <see cref="Options.LimitsOptions.FrameTimeout"/> from its start to complete. Two clock reads and a store at
    /// most: the reader's only cost for the slowloris defence.
    /// </summary>
    protected void NoteFrameProgress(bool completed, bool incomplete)
    {
        long since = _incompleteSince;
        if (completed)
        {
            MarkReceived();
            since = 0;
        }

        if (!incomplete)
        {
            since = 0;
        }
        else if (since == 0)
        {
            since = Services.Clock.Now;
        }

        if (since != _incompleteSince)
        {
            Volatile.Write(ref _incompleteSince, since);
        }
    }

    /// <summary>
    /// Takes one publish from the connection's allowance (<see cref="Options.LimitsOptions.PublishesPerSecondPerConnection"/>);
    /// false when it is spent. Connections from a trusted network are not limited. Called by the connection's reader
    /// only; a struct bucket, no allocation, no lock.
    /// </summary>
    public bool TryTakePublishPermit()
    {
        int rate = Services.Options.Limits.PublishesPerSecondPerConnection;
        if (rate == 0)
        {
            return true;
        }

        if (_publishLimited == 0)
        {
            // Decided at the first publish, so a connection that never publishes never pays for the check.
            _publishLimited = Services.Trusted.IsTrusted(RemoteEndPoint) ? (sbyte)-1 : (sbyte)1;
        }

        return _publishLimited < 0 || _publishes.TryTake(Services.Clock.Now, rate, Services.UnitsPerSecond);
    }

    /// <summary>Counts a protocol error, logs it, and closes with its error frame.</summary>
    public void Fail(ProtocolError error)
    {
        Services.Metrics.Error(error);
        Log.ProtocolError(Services.Logger, Session.Id, RemoteEndPoint, ProtocolErrors.Code(error));
        BeginClose(error, sendErrorFrame: true);
    }

    /// <summary>
    /// Starts closing: no more reading, what is queued is still sent (then the error frame, if asked), then the
    /// output completes. After <paramref name="timeout"/> (default: the close timeout) the transport is aborted.
    /// Only the first call counts.
    /// </summary>
    public void BeginClose(ProtocolError reason, bool sendErrorFrame, TimeSpan? timeout = null)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
        {
            return;
        }

        _closeReason = reason;
        if (sendErrorFrame && reason != ProtocolError.None)
        {
            _finalFrame = ErrorFrames.Get(reason, _framing);
        }

        long units = timeout is { } t ? Services.Clock.ToTimestampUnits(t) : Services.CloseTimeoutUnits;
        Volatile.Write(ref _closeDeadline, Services.Clock.Now + Math.Max(1, units));
        OnCloseRequested();

        // An opted-in session outlives a connection that dropped (the client's end of stream, a reset, a heartbeat
        // timeout): the queue is detached, not closed, and keeps what is queued for the resume. Any other close ends it.
        _parking = !_endSession && (reason is ProtocolError.None or ProtocolError.HeartbeatTimeout)
            && !Services.Connections.IsStopping && Services.Sessions.CanPark(Session);
        bool draining = _parking ? Session.Queue.Detach(this, Session.ParkedSink) : Session.Queue.CloseGracefully();
        if (!draining)
        {
            // No drain is running and none will start: finishing the output is ours to do.
            FinishOutput();
        }
    }

    /// <inheritdoc />
    public void CloseAndEndSession()
    {
        _endSession = true;
        BeginClose(ProtocolError.None, sendErrorFrame: false);
    }

    /// <inheritdoc />
    public void OnSessionTaken()
    {
        _endSession = true;
        Services.Metrics.Error(ProtocolError.SessionTaken);
        BeginClose(ProtocolError.SessionTaken, sendErrorFrame: true);
    }

    /// <summary>Aborts the transport at once (deadline passed, or the peer is gone).</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            AbortTransport();
        }
    }

    /// <summary>Tells the transport's reader to stop (e.g. cancel a pending read).</summary>
    protected abstract void OnCloseRequested();

    /// <summary>Tears the transport down without waiting for anything.</summary>
    protected abstract void AbortTransport();

    /// <summary>Completes when the transport has closed (both directions).</summary>
    protected abstract Task WaitForTransportClosedAsync();

    /// <summary>Ends the output stream. Transports with a closing handshake write it here.</summary>
    protected virtual void CompleteOutput(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Complete();
    }

    /// <summary>
    /// Runs after the reader has stopped: waits for the drain to finish and the transport to close (the deadline
    /// bounds both), then ends the session. Call once, from the transport's connection method.
    /// </summary>
    protected async Task CloseAndCleanupAsync()
    {
        BeginClose(ProtocolError.None, sendErrorFrame: false);
        try
        {
            await _drainStopped.Task;
            await WaitForTransportClosedAsync();
            if (_sendBacklogged)
            {
                // The last bytes are stuck behind a client that does not read; do not leave the transport waiting on it.
                Abort();
            }
        }
        finally
        {
            // A session a resume took is the resumer's now; one that can wait for a resume is parked.
            int removed = _parking ? Services.Sessions.ReleaseOrPark(Session, this)
                : Session.IsOwnedBy(this) ? Services.Sessions.End(Session) : 0;
            Services.Metrics.Unsubscribed(removed);
            Services.Metrics.ConnectionClosed(CountedAs);
            Log.ConnectionClosed(Services.Logger, Session.Id, JanusMetrics.TransportName(CountedAs), ProtocolErrors.Code(_closeReason));
            if (_holdsAdmission)
            {
                _holdsAdmission = false;
                Services.Limiter.Release(_admission);
            }

            // Last, so that a connection counted as gone has no session or subscription left behind.
            Services.Connections.Remove(this);
        }
    }

    /// <summary>The heartbeat sweep's visit, once a second.</summary>
    internal void OnHeartbeat(long now, long intervalUnits, long timeoutUnits)
    {
        long deadline = Volatile.Read(ref _closeDeadline);
        if (deadline != 0)
        {
            if (now >= deadline && Volatile.Read(ref _aborted) == 0)
            {
                Log.CloseTimedOut(Services.Logger, Session.Id);
                Abort();
            }

            return;
        }

        long lastReceived = Volatile.Read(ref _lastReceived);
        if (now - lastReceived >= timeoutUnits)
        {
            Log.HeartbeatTimeout(Services.Logger, Session.Id);
            Services.Metrics.Error(ProtocolError.HeartbeatTimeout);
            BeginClose(ProtocolError.HeartbeatTimeout, sendErrorFrame: true);
            return;
        }

        long incompleteSince = Volatile.Read(ref _incompleteSince);
        if (incompleteSince != 0 && now - incompleteSince >= Services.FrameTimeoutUnits)
        {
            // A frame started and never finished (slowloris): what it has buffered is freed with the connection.
            Fail(ProtocolError.FrameTimeout);
            return;
        }

        // PING when the line was quiet either way: nothing sent (the client learns the server is there) or nothing
        // received (the client is asked for a sign of life). A subscriber of a busy topic is sent something every
        // second and sends nothing itself: without the second case it would never be asked, and be cut at the timeout.
        // _lastPing is only touched here, by the one sweep thread.
        if (now - Volatile.Read(ref _lastSent) >= intervalUnits || (now - lastReceived >= intervalUnits && now - _lastPing >= intervalUnits))
        {
            _lastPing = now;
            Volatile.Write(ref _lastSent, now);
            if (Send(OutboundMessage.Ping))
            {
                Services.Metrics.HeartbeatPing();
            }
        }
    }

    /// <inheritdoc />
    void IOutboundSink.OnDataAvailable() => Services.Senders.Schedule(this);

    /// <inheritdoc />
    void IOutboundSink.DrainInline() => RunDrain();

    /// <inheritdoc />
    void IOutboundSink.OnOverflow()
    {
        Services.Metrics.SlowConsumer();
        Log.SlowConsumer(Services.Logger, Session.Id, RemoteEndPoint, Services.Options.Limits.MaxQueueBytes);
        BeginClose(ProtocolError.SlowConsumer, sendErrorFrame: true);
    }

    /// <summary>One run of the drain, on a sender thread (<see cref="SendScheduler"/>).</summary>
    internal void RunDrain()
    {
        try
        {
            Drain();
        }
        catch (Exception ex)
        {
            // A bug here must cost one connection, never the process (an exception escaping a sender thread would).
            Log.ConnectionFailed(Services.Logger, Session.Id, ex);
            Abort();
            OutputGone();
        }
    }

    /// <summary>Batches until the queue is idle, or until a flush has to wait.</summary>
    private void Drain()
    {
        OutboundMessage?[] batch = t_batch ??= new OutboundMessage?[MaxBatchMessages];
        bool positioned = Session.IsPositioned;
        while (true)
        {
            // A writer that keeps what a full socket refused (the epoll transport) sends it with the next batch; with
            // nothing queued, it must still go before this drain lets go of the queue (Kestrel's pipe keeps none):
            // then this turn flushes an empty batch.
            bool heldBytesOnly = _output.CanGetUnflushedBytes && _output.UnflushedBytes > 0 && Session.Queue.Count == 0;
            int taken = 0;
            if (!heldBytesOnly)
            {
                DrainStatus status = Session.Queue.DequeueBatch(this, batch, MaxBatchBytes, out taken);
                if (status == DrainStatus.Idle)
                {
                    return;
                }

                if (status == DrainStatus.Closed)
                {
                    FinishOutput();
                    return;
                }
            }

            ValueTask<FlushResult> flush;
            try
            {
                int bytes = 0;
                for (int i = 0; i < taken; i++)
                {
                    bytes += batch[i]!.WriteFrame(_output, _framing, positioned);
                }

                Services.Metrics.BytesWritten(bytes);
                flush = _output.FlushAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
            {
                ReleaseBatch(batch, taken);
                OutputGone();
                return;
            }

            // With inline scheduling the flush above already handed the bytes to the socket, so this is after the write.
            ReleaseBatch(batch, taken);
            Volatile.Write(ref _lastSent, Services.Clock.Now);
            if (!flush.IsCompletedSuccessfully)
            {
                _sendBacklogged = true;
                _ = ContinueAfterFlushAsync(flush);
                return;
            }

            FlushResult result = flush.Result;
            if (result.IsCompleted || result.IsCanceled)
            {
                OutputGone();
                return;
            }
        }
    }

    private async Task ContinueAfterFlushAsync(ValueTask<FlushResult> flush)
    {
        FlushResult result;
        try
        {
            result = await flush;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            OutputGone();
            return;
        }

        _sendBacklogged = false;
        if (result.IsCompleted || result.IsCanceled)
        {
            OutputGone();
            return;
        }

        // Keep draining on a sender thread rather than the socket's completion thread.
        Services.Senders.Schedule(this);
    }

    private static void ReleaseBatch(OutboundMessage?[] batch, int taken)
    {
        for (int i = 0; i < taken; i++)
        {
            batch[i]!.Release();
            batch[i] = null;
        }
    }

    /// <summary>The peer stopped reading for good (the transport closed its end of our pipe).</summary>
    private void OutputGone()
    {
        Session.Queue.Close();
        Interlocked.Exchange(ref _finalFrame, null);
        OnCloseRequested();
        FinishOutput();
    }

    private void FinishOutput()
    {
        if (Interlocked.Exchange(ref _outputFinished, 1) != 0)
        {
            return;
        }

        try
        {
            OutboundMessage? final = Interlocked.Exchange(ref _finalFrame, null);
            if (final is not null && final.GetFrame(_framing).Length > 0)
            {
                _output.Write(final.GetFrame(_framing));
            }

            CompleteOutput(_output);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            // The transport is already gone; nothing left to say to it.
        }
        finally
        {
            _drainStopped.TrySetResult();
        }
    }
}
