using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Janus.Native;
using Janus.Server.Hosting;
using Janus.Server.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// A listening address of the epoll transport: one socket per event loop (<see cref="ListenSocket"/>, bound with
/// <c>SO_REUSEPORT</c> when there are several), and one of two ways to hand accepted connections on.
/// </summary>
/// <remarks>
/// <para><b>Served inline</b> (the plain TCP port, <see cref="EpollEndPoint.InlineApplication"/>): each loop accepts
/// from its own socket when it reports arrivals and runs the connection's application at once on the loop thread, as
/// Redis's event loop does: the greeting is written, and a subscribe the client already sent is read, handled and
/// ACKed, before the loop goes on. Kestrel's accept loop only waits here until the listener is unbound. Why:
/// Kestrel's connection dispatch queues every accepted connection to the thread pool, and on this path that hop
/// (a futex wake, two context switches, the worker's spinning before it sleeps again) and the objects Kestrel keeps
/// per connection cost more CPU than the protocol's own work (docs/benchmarks.md, "connection cost").</para>
/// <para><b>Through Kestrel</b> (the TLS port, whose handshake must not hold a loop): Kestrel's accept loop calls
/// <see cref="AcceptAsync"/> one at a time; it accepts without waiting while any socket's backlog holds connections,
/// and waits for a loop's readiness report only when all are empty.</para>
/// </remarks>
internal sealed class EpollListener : IConnectionListener, IValueTaskSource<bool>
{
    private const int AcceptFlags = Libc.SockNonBlock | Libc.SockCloExec;

    /// <summary>What <see cref="TryAccept"/> reports for a socket it closed because its descriptor lay in the reserve.</summary>
    private const int ReserveReached = -1;

    /// <summary>
    /// Connections a loop accepts and serves in one turn before it reads its other sockets again (the rest of the
    /// backlog is taken in the next turn): a burst of thousands of connects must not hold the loop's clients for long.
    /// Redis takes 1,000 per event; serving a connection here includes its greeting.
    /// </summary>
    private const int MaxInlineAcceptsPerTurn = 256;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest time between two lines about failed accepts of the loops (one a minute, as AcceptFailureLog's).</summary>
    private static readonly TimeSpan FailureLineInterval = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger;
    private readonly int _maxReadBufferBytes;
    private readonly Lock _gate = new();
    private readonly IPEndPoint _addressParser;
    private readonly DescriptorReserve _reserve;
    private readonly ConnectionDelegate? _inline;
    private readonly Action<Task, object?> _servedContinuation;
    private ListenSocket[] _sockets = [];
    private ManualResetValueTaskSourceCore<bool> _ready;
    private TaskCompletionSource? _drained;
    private int _live;
    private bool _signaled;
    private bool _waiting;
    private bool _unbound;

    // The inline loops' accept failures, counted for the listener (under _gate).
    private AcceptFailureLog _inlineFailures;
    private int _pausedSockets;
    private long _lastFailureLine;

    // Kestrel's accept loop calls one accept at a time: read and written only there.
    private AcceptFailureLog _failures;
    private bool _paused;
    private int _next;

    private EpollListener(ILogger logger, IPEndPoint bound, int backlog, int maxReadBufferBytes, DescriptorReserve reserve, ConnectionDelegate? inline)
    {
        _reserve = reserve;
        _logger = logger;
        _maxReadBufferBytes = maxReadBufferBytes;
        _inline = inline;
        EndPoint = new EpollEndPoint(bound.Address, bound.Port, backlog);
        _addressParser = bound;
        _servedContinuation = (task, state) => Served(task, (EpollConnection)state!);

        // Inline: in a connect burst Kestrel's accept loop (the TLS and HTTP ports) then runs on a loop thread and
        // accepts the whole backlog there, instead of costing a thread-pool wake-up per burst.
        _ready.RunContinuationsAsynchronously = false;
    }

    public EndPoint EndPoint { get; }

    /// <summary>
    /// Binds one socket per loop and listens. <c>[::]</c> is bound dual-stack (IPv4 clients appear as IPv4-mapped
    /// addresses, as with Kestrel's sockets), falling back to <c>0.0.0.0</c> where the host has no IPv6.
    /// </summary>
    public static EpollListener Bind(IReadOnlyList<EpollLoop> loops, ILogger logger, EpollEndPoint endPoint, int maxReadBufferBytes, DescriptorReserve reserve)
    {
        bool share = loops.Count > 1;
        var fds = new List<int>(loops.Count);
        try
        {
            if (share && endPoint.Port != 0)
            {
                // A socket that sets SO_REUSEPORT may share a port with another process of the same user that set it
                // too. A plain bind first fails as usual when anyone holds the port, so a second Janus on the same port
                // is refused rather than handed half the clients.
                Libc.Close(OpenAndBind(endPoint, backlog: -1, reusePort: false, out _));
            }

            fds.Add(OpenAndBind(endPoint, endPoint.Backlog, share, out IPEndPoint bound));
            for (int i = 1; i < loops.Count; i++)
            {
                // The same port as the first (port 0 chose one).
                fds.Add(OpenAndBind(bound, endPoint.Backlog, reusePort: true, out _));
            }

            var listener = new EpollListener(logger, bound, endPoint.Backlog, maxReadBufferBytes, reserve, endPoint.InlineApplication);
            var sockets = new ListenSocket[fds.Count];
            for (int i = 0; i < sockets.Length; i++)
            {
                sockets[i] = new ListenSocket(listener, loops[i], fds[i], bound.AddressFamily);
            }

            listener._sockets = sockets;
            fds.Clear();
            foreach (ListenSocket socket in sockets)
            {
                socket.Loop.AddListener(socket);
            }

            return listener;
        }
        finally
        {
            foreach (int fd in fds)
            {
                Libc.Close(fd);
            }
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (_inline is not null)
        {
            // The loops serve every connection themselves: Kestrel's accept loop waits here until the unbind.
            while (await WaitReadyAsync())
            {
            }

            return null;
        }

        while (true)
        {
            if (_paused && !HasRoom(_sockets[0]))
            {
                // At the reserve: nothing is accepted until a descriptor below the ceiling is free.
                if (_failures.OnFailure())
                {
                    LogAcceptFailure(ReserveReached, _failures.Failures);
                }

                await Task.Delay(RetryDelay, CancellationToken.None);
                if (cancellationToken.IsCancellationRequested || IsUnbound)
                {
                    return null;
                }

                continue;
            }

            EpollConnection? connection = AcceptFromAny(out int errno);
            if (connection is not null)
            {
                return connection;
            }

            if (errno == Libc.EAgain)
            {
                // Every backlog is empty: every client that waited is in, and the episode ends (one line for it, not
                // one per client let in). The next burst is accepted without probing until it reaches the ceiling again.
                if (_paused)
                {
                    _paused = false;
                    Log.EpollAcceptRecovered(_logger, _failures.OnSuccess());
                }

                if (!await WaitReadyAsync())
                {
                    return null;
                }
            }
            else if (errno is Libc.EBadF or Libc.EInval)
            {
                // Unbound: the descriptors are closed.
                return null;
            }
            else if (IsOutOfDescriptors(errno))
            {
                // Out of descriptors or memory, or at the reserve kept for the runtime: the backlog holds the clients
                // until something closes (the loop above probes before each accept from now on).
                _paused = true;
                if (_failures.OnFailure())
                {
                    LogAcceptFailure(errno, _failures.Failures);
                }

                await Task.Delay(RetryDelay, CancellationToken.None);
            }

            // Anything else (EINTR, ECONNABORTED, a socket epoll refused) concerns one connection: take the next.
            if (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Stops accepting (the sockets are closed: clients still in a backlog are refused) and, for a listener that serves
    /// inline, waits until its connections have ended, or until <paramref name="cancellationToken"/> (Kestrel's
    /// shutdown timeout), when those left are aborted: Kestrel tracks only the connections it dispatched.
    /// </summary>
    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        Task drained = Unbind();
        if (drained.IsCompleted)
        {
            return;
        }

        try
        {
            await drained.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            foreach (ListenSocket socket in _sockets)
            {
                socket.Loop.AbortServedBy(this);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Unbind();
        return ValueTask.CompletedTask;
    }

    /// <summary>A loop saw new connections arrive on <paramref name="socket"/> (on that loop's thread).</summary>
    public void OnAcceptReady(ListenSocket socket)
    {
        if (_inline is not null)
        {
            ServeBacklog(socket);
            return;
        }

        lock (_gate)
        {
            if (!_waiting)
            {
                _signaled = true;
                return;
            }

            _waiting = false;
        }

        _ready.SetResult(true);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _ready.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _ready.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _ready.OnCompleted(continuation, state, token, flags);

    private static bool IsOutOfDescriptors(int errno) => errno is ReserveReached or Libc.EMFile or Libc.ENFile or Libc.ENoMem or Libc.ENoBufs;

    private bool IsUnbound
    {
        get
        {
            lock (_gate)
            {
                return _unbound;
            }
        }
    }

    /// <summary>The line for failed accepts: at the reserve (a socket refused there) or out of descriptors (the errno).</summary>
    private void LogAcceptFailure(int errno, int failures)
    {
        if (errno == ReserveReached)
        {
            Log.EpollAcceptPaused(_logger, _reserve.Ceiling, OpenFileLimit.ReservedDescriptors, failures);
        }
        else
        {
            Log.EpollAcceptFailed(_logger, errno, failures);
        }
    }

    /// <summary>Closes the sockets and wakes Kestrel's accept loop; completes when the inline connections have ended.</summary>
    private Task Unbind()
    {
        bool wake;
        Task drained = Task.CompletedTask;
        lock (_gate)
        {
            if (!_unbound)
            {
                // A full fence between this write and the read of _live below (see Served).
                Volatile.Write(ref _unbound, true);
                Interlocked.MemoryBarrier();
                foreach (ListenSocket socket in _sockets)
                {
                    lock (socket.Gate)
                    {
                        Libc.Close(socket.Fd);
                        socket.Fd = -1;
                    }
                }
            }

            wake = _waiting;
            _waiting = false;
            if (Volatile.Read(ref _live) > 0)
            {
                _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                drained = _drained.Task;
            }
        }

        if (wake)
        {
            _ready.SetResult(false);
        }

        return drained;
    }

    private ValueTask<bool> WaitReadyAsync()
    {
        lock (_gate)
        {
            if (_unbound)
            {
                return new ValueTask<bool>(false);
            }

            if (_signaled)
            {
                _signaled = false;
                return new ValueTask<bool>(true);
            }

            _waiting = true;
            _ready.Reset();
            return new ValueTask<bool>(this, _ready.Version);
        }
    }

    /// <summary>One accept from the first socket, in turn, whose backlog is not empty (Kestrel's accept loop).</summary>
    private EpollConnection? AcceptFromAny(out int errno)
    {
        ListenSocket[] sockets = _sockets;
        errno = Libc.EAgain;
        for (int i = 0; i < sockets.Length; i++)
        {
            ListenSocket socket = sockets[(_next + i) % sockets.Length];
            EpollConnection? connection = TryAccept(socket, out errno);
            if (connection is not null)
            {
                // The next accept starts at the next socket, so one busy socket cannot starve the others.
                _next = (_next + i + 1) % sockets.Length;
                return connection;
            }

            if (errno != Libc.EAgain)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Accepts what <paramref name="socket"/>'s backlog holds and serves each connection at once (on the socket's
    /// loop thread), at most <see cref="MaxInlineAcceptsPerTurn"/> before the loop's other events get their turn.
    /// </summary>
    private void ServeBacklog(ListenSocket socket)
    {
        for (int served = 0; served < MaxInlineAcceptsPerTurn; served++)
        {
            if (socket.Paused && !HasRoom(socket))
            {
                OnInlineAcceptFailed(socket, ReserveReached);
                RetryLater(socket);
                return;
            }

            EpollConnection? connection = TryAccept(socket, out int errno);
            if (connection is not null)
            {
                Serve(connection);
                continue;
            }

            if (errno == Libc.EAgain)
            {
                if (socket.Paused)
                {
                    OnInlineAcceptRecovered(socket);
                }

                return;
            }

            if (errno is Libc.EBadF or Libc.EInval)
            {
                return;
            }

            if (IsOutOfDescriptors(errno))
            {
                // The backlog holds the clients; the edge-triggered socket reports nothing more until a new one
                // arrives, so the retry is ours to schedule.
                OnInlineAcceptFailed(socket, errno);
                RetryLater(socket);
                return;
            }
        }

        // More may wait: after the loop's other events.
        socket.Loop.Post(socket.AcceptAgain);
    }

    /// <summary>
    /// A loop's socket could not accept (at the reserve, or out of descriptors). At most one line a minute for the
    /// listener, however many loops meet it: each loop's socket pauses and recovers on its own (one socket's backlog may
    /// empty while another's still waits), so episodes of single sockets would log a line each.
    /// </summary>
    private void OnInlineAcceptFailed(ListenSocket socket, int errno)
    {
        lock (_gate)
        {
            if (!socket.Paused)
            {
                socket.Paused = true;
                _pausedSockets++;
            }

            _inlineFailures.OnFailure();
            long now = Environment.TickCount64;
            if (_lastFailureLine == 0 || now - _lastFailureLine >= (long)FailureLineInterval.TotalMilliseconds)
            {
                _lastFailureLine = now;
                LogAcceptFailure(errno, _inlineFailures.Failures);
            }
        }
    }

    /// <summary>A paused socket's backlog is empty: the episode ends when every loop's has.</summary>
    private void OnInlineAcceptRecovered(ListenSocket socket)
    {
        lock (_gate)
        {
            socket.Paused = false;
            if (--_pausedSockets == 0)
            {
                Log.EpollAcceptRecovered(_logger, _inlineFailures.OnSuccess());
            }
        }
    }

    private static void RetryLater(ListenSocket socket) =>
        _ = Task.Delay(RetryDelay).ContinueWith(static (_, state) => ((ListenSocket)state!).Loop.Post(((ListenSocket)state!).AcceptAgain), socket, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Runs the application on this thread until its first wait; the connection is disposed when it returns.</summary>
    private void Serve(EpollConnection connection)
    {
        // Counted without the listener's lock: every loop accepts through this listener.
        Interlocked.Increment(ref _live);
        connection.ServedBy = this;
        Task task;
        try
        {
            task = _inline!(connection);
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }

        if (task.IsCompleted)
        {
            Served(task, connection);
        }
        else
        {
            task.ContinueWith(_servedContinuation, connection, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Served(Task task, EpollConnection connection)
    {
        if (task.IsFaulted)
        {
            // The Janus handlers catch what a connection can throw; this is the last line, as Kestrel's dispatch has.
            Log.EpollConnectionFailed(_logger, connection.ConnectionId, task.Exception!.GetBaseException());
        }

        connection.Dispose();

        // The last one after an unbind: the unbind sets _unbound before it reads _live, and creates _drained under the
        // lock taken here, so either it saw this count or this sees its flag (and waits for the lock to read _drained).
        if (Interlocked.Decrement(ref _live) == 0 && Volatile.Read(ref _unbound))
        {
            lock (_gate)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Whether a descriptor below the reserve is free (the probe runs under the socket's gate: its descriptor stays open).</summary>
    private bool HasRoom(ListenSocket socket)
    {
        lock (socket.Gate)
        {
            return socket.Fd >= 0 && _reserve.HasRoom(socket.Fd);
        }
    }

    /// <summary>One <c>accept4</c>; the connection, or null with the errno (0 if the new socket was refused).</summary>
    private unsafe EpollConnection? TryAccept(ListenSocket socket, out int errno)
    {
        int fd;
        EndPoint? remote = null;
        lock (socket.Gate)
        {
            if (socket.Fd < 0)
            {
                errno = Libc.EBadF;
                return null;
            }

            SocketAddress peer = socket.Peer;
            uint length = (uint)peer.Buffer.Length;
            fixed (byte* address = peer.Buffer.Span)
            {
                fd = Libc.Accept4(socket.Fd, address, &length, AcceptFlags);
            }

            if (fd < 0)
            {
                errno = Libc.Errno;
                return null;
            }

            if (_reserve.IsReserved(fd))
            {
                // Fewer than the reserve left: this client is refused (an orderly close), the next ones wait.
                Libc.Close(fd);
                errno = ReserveReached;
                return null;
            }

            // Parsed under the lock: the address buffer is the socket's, shared by every accept.
            peer.Size = (int)length;
            try
            {
                remote = _addressParser.Create(peer);
            }
            catch (Exception ex) when (ex is ArgumentException or SocketException)
            {
                // A peer whose address does not parse is still served; it is merely not trusted.
            }
        }

        errno = 0;
        var connection = new EpollConnection(socket.Loop, fd, EndPoint, remote, _maxReadBufferBytes);
        if (!socket.Loop.Register(connection))
        {
            Libc.Close(fd);
            return null;
        }

        return connection;
    }

    private static unsafe int OpenAndBind(IPEndPoint endPoint, int backlog, bool reusePort, out IPEndPoint bound)
    {
        int fd = Libc.Socket(endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AfInet6 : Libc.AfInet, Libc.SockStream | Libc.SockNonBlock | Libc.SockCloExec, 0);
        if (fd < 0 && endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any) && Libc.Errno == Libc.EAfNoSupport)
        {
            return OpenAndBind(new IPEndPoint(IPAddress.Any, endPoint.Port), backlog, reusePort, out bound);
        }

        if (fd < 0)
        {
            throw new SocketException(Libc.Errno);
        }

        try
        {
            int one = 1;
            int zero = 0;
            Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoReuseAddr, &one, sizeof(int));
            if (reusePort)
            {
                Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoReusePort, &one, sizeof(int));
            }

            // Accepted sockets inherit TCP_NODELAY from the listener on Linux: one setsockopt per connection saved.
            Libc.SetSockOpt(fd, Libc.IpProtoTcp, Libc.TcpNoDelay, &one, sizeof(int));
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                Libc.SetSockOpt(fd, Libc.IpProtoIpv6, Libc.Ipv6V6Only, &zero, sizeof(int));
            }

            SocketAddress address = endPoint.Serialize();
            fixed (byte* p = address.Buffer.Span)
            {
                if (Libc.Bind(fd, p, (uint)address.Size) != 0)
                {
                    int errno = Libc.Errno;
                    throw errno == Libc.EAddrInUse
                        ? new AddressInUseException($"{endPoint} is already in use.", new SocketException(errno))
                        : new SocketException(errno);
                }
            }

            // A negative backlog: only a probe of the address, which must not take connections.
            if (backlog >= 0 && Libc.Listen(fd, backlog) != 0)
            {
                throw new SocketException(Libc.Errno);
            }

            SocketAddress local = new(endPoint.AddressFamily);
            uint length = (uint)local.Buffer.Length;
            fixed (byte* p = local.Buffer.Span)
            {
                if (Libc.GetSockName(fd, p, &length) != 0)
                {
                    throw new SocketException(Libc.Errno);
                }
            }

            local.Size = (int)length;
            bound = (IPEndPoint)endPoint.Create(local);
            return fd;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }
}
