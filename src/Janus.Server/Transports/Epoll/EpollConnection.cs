using System.IO.Pipelines;
using System.Net;
using Janus.Native;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// One accepted socket of the epoll transport, as Kestrel's <see cref="ConnectionContext"/>: the descriptor, its
/// reader and writer, and the close sequence.
/// </summary>
/// <remarks>
/// <para>Every system call on the descriptor happens under <see cref="Gate"/>, and closing it does too, so a receive
/// or send can never reach a descriptor number the kernel has already handed to a newer connection.</para>
/// <para>Lifetime, as with Kestrel's socket transport: the connection ends when the application has completed the
/// output and it has been sent (or the peer is gone, or the connection was aborted). Then the socket is shut down
/// and closed, the reader sees the end of the stream, and <see cref="ConnectionClosed"/> fires. Unlike Kestrel's
/// socket transport, a close the server starts while the peer may still be sending lingers first (see
/// <see cref="OnOutputEnded"/>), so the peer reads the last bytes instead of a reset.</para>
/// </remarks>
internal sealed class EpollConnection : ConnectionContext, IDuplexPipe, ISenderAffinity
{
    /// <summary>Input a closing connection reads and drops before giving up on a clean close (then it resets).</summary>
    internal const int MaxLingerBytes = 1024 * 1024;

    private const int LingerReadBytes = 4096;

    private readonly EpollLoop _loop;
    private readonly EpollPipeReader _reader;
    private readonly EpollPipeWriter _writer;
    private readonly CancellationTokenSource _closed = new();
    private readonly ConnectionFeatures _features = new();
    private string? _connectionId;
    private IDictionary<object, object?>? _items;
    private IDuplexPipe _transport;
    private bool _fdClosed;
    private bool _lingering;
    private int _discarded;
    private int _closedFired;

    public EpollConnection(EpollLoop loop, int fd, EndPoint? localEndPoint, EndPoint? remoteEndPoint, int maxReadBufferBytes)
    {
        _loop = loop;
        Fd = fd;
        Generation = loop.NextGeneration();
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        _reader = new EpollPipeReader(this, maxReadBufferBytes);
        _writer = new EpollPipeWriter(this);
        _transport = this;
    }

    /// <summary>The socket's descriptor (still the number it had once closed, for unregistering).</summary>
    public int Fd { get; }

    /// <summary>Tells this connection's epoll events from those of an earlier socket with the same descriptor.</summary>
    public uint Generation { get; }

    /// <summary>The loop whose thread reads this connection.</summary>
    public EpollLoop Loop => _loop;

    /// <inheritdoc />
    int ISenderAffinity.SenderAffinity => _loop.Index;

    /// <summary>The listener that runs this connection's application itself (null: Kestrel does).</summary>
    public EpollListener? ServedBy { get; set; }

    /// <summary>
    /// Guards the descriptor and the reader's and writer's state. The connection object itself, locked with
    /// <see cref="Monitor"/>: a lock object of its own would cost every idle connection another 40 bytes, and nothing
    /// else ever locks a connection context.
    /// </summary>
    public object Gate => this;

    /// <summary>Whether the descriptor is closed (read under <see cref="Gate"/>).</summary>
    public bool IsFdClosed => _fdClosed;

    public override string ConnectionId
    {
        get => _connectionId ??= string.Create(11, ((ulong)_loop.Index << 32) | Generation, static (chars, id) =>
        {
            // One string, not a formatted number and then a concatenation: Kestrel asks for it on every connection.
            // The loop's number and its generation: each loop numbers its own connections.
            chars[0] = 'E';
            ((byte)(id >> 32)).TryFormat(chars[1..], out _, "X2", System.Globalization.CultureInfo.InvariantCulture);
            ((uint)id).TryFormat(chars[3..], out _, "X8", System.Globalization.CultureInfo.InvariantCulture);
        });
        set => _connectionId = value;
    }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("The epoll transport owns its ConnectionClosed token.");
    }

    PipeReader IDuplexPipe.Input => _reader;

    PipeWriter IDuplexPipe.Output => _writer;

    /// <summary>The loop's report for this socket (on the loop thread).</summary>
    public void OnEvents(uint events)
    {
        if (Volatile.Read(ref _lingering))
        {
            DiscardInput();
            return;
        }

        if ((events & (Libc.EpollIn | Libc.EpollRdHup | Libc.EpollHup | Libc.EpollErr)) != 0)
        {
            _reader.OnReadable(hungUp: (events & (Libc.EpollRdHup | Libc.EpollHup | Libc.EpollErr)) != 0);
        }

        if ((events & (Libc.EpollOut | Libc.EpollHup | Libc.EpollErr)) != 0)
        {
            _writer.OnWritable();
        }
    }

    /// <summary>The reader stopped at a full buffer and has room again: receive on the loop thread.</summary>
    public void ResumeReceive() => _loop.ResumeReceive(this);

    /// <summary>
    /// The output is finished (completed and sent, or the peer is gone): the connection ends, gracefully. If the peer
    /// has ended its side already, the descriptor is closed now. Otherwise the connection lingers: the write side is
    /// shut down (the peer reads everything sent, then the end of the stream) and input is read and dropped until the
    /// peer's end of the stream, for at most <see cref="EpollLoop.LingerTime"/> and <see cref="MaxLingerBytes"/>.
    /// Closing with unread input, or input arriving after the close, makes the kernel answer with a reset, and the
    /// peer may then lose what it had not read yet: a client that pipelined 1,100 subscribes past the limit of 1,000
    /// got 463 ACKs and a reset instead of 1,000 ACKs and its <c>too_many_subscriptions</c> error.
    /// </summary>
    public void OnOutputEnded()
    {
        bool closed;
        lock (Gate)
        {
            closed = _fdClosed || _reader.HasEnded;
            if (closed)
            {
                CloseFdLocked();
            }
            else
            {
                Libc.Shutdown(Fd, Libc.ShutWr);
                _lingering = true;
                closed = DiscardInputLocked();
                if (closed)
                {
                    CloseFdLocked();
                }
            }
        }

        if (closed)
        {
            _reader.OnTransportClosed(error: null);
            FireClosed();
            return;
        }

        _loop.Linger(this);
    }

    /// <summary>The linger time is over (on the loop thread): closes, whatever the peer is still sending.</summary>
    public void EndLinger()
    {
        lock (Gate)
        {
            if (_fdClosed)
            {
                return;
            }

            CloseFdLocked();
        }

        _reader.OnTransportClosed(error: null);
        FireClosed();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        lock (Gate)
        {
            CloseFdLocked();
        }

        _writer.OnTransportClosed();
        _reader.OnTransportClosed(abortReason);
        FireClosed();
    }

    public override ValueTask DisposeAsync()
    {
        Dispose();
        return base.DisposeAsync();
    }

    /// <summary>What <see cref="DisposeAsync"/> does, synchronously: all of it.</summary>
    public void Dispose()
    {
        // Kestrel disposes every connection when its handler returns, normally long after it closed: an exception
        // object per departing client only for a connection that is still open.
        if (Volatile.Read(ref _closedFired) == 0)
        {
            Abort(new ConnectionAbortedException("The connection was disposed."));
        }

        _reader.ReleaseBuffer();
        _writer.ReleaseBuffer();
        _closed.Dispose();
    }

    /// <summary>Reads and drops input, while lingering, and closes at the peer's end of the stream.</summary>
    private void DiscardInput()
    {
        bool closed;
        lock (Gate)
        {
            closed = !_fdClosed && DiscardInputLocked();
            if (closed)
            {
                CloseFdLocked();
            }
        }

        if (closed)
        {
            _reader.OnTransportClosed(error: null);
            FireClosed();
        }
    }

    /// <summary>Receives and drops what the peer sent; true when the connection is to close now (its end, a failure, or too much).</summary>
    private unsafe bool DiscardInputLocked()
    {
        byte* scratch = stackalloc byte[LingerReadBytes];
        while (true)
        {
            nint received = Libc.Recv(Fd, scratch, LingerReadBytes, 0);
            if (received > 0)
            {
                _discarded += (int)received;

                // A client that keeps sending after it was told goodbye gets the reset it asks for.
                if (_discarded > MaxLingerBytes)
                {
                    return true;
                }

                continue;
            }

            if (received < 0)
            {
                int errno = Libc.Errno;
                if (errno == Libc.EIntr)
                {
                    continue;
                }

                if (errno == Libc.EAgain)
                {
                    return false;
                }
            }

            // The peer's end of the stream (or its reset): nothing unread is left, the close is clean.
            return true;
        }
    }

    private void CloseFdLocked()
    {
        if (_fdClosed)
        {
            return;
        }

        _fdClosed = true;
        _loop.Unregister(this);

        // Shut down before closing, as Kestrel's socket transport does: the peer sees an orderly end (FIN).
        Libc.Shutdown(Fd, Libc.ShutRdWr);
        Libc.Close(Fd);
    }

    private void FireClosed()
    {
        if (Interlocked.Exchange(ref _closedFired, 1) == 0)
        {
            _closed.Cancel();
        }
    }
}
