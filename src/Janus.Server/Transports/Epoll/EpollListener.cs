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
/// A listening socket of the epoll transport. Kestrel's accept loop calls <see cref="AcceptAsync"/> one at a time;
/// it accepts without waiting while the backlog holds connections (a connect burst), and waits for the epoll loop's
/// readiness report only when the backlog is empty.
/// </summary>
internal sealed class EpollListener : IConnectionListener, IValueTaskSource<bool>
{
    private const int AcceptFlags = Libc.SockNonBlock | Libc.SockCloExec;

    /// <summary>What <see cref="TryAccept"/> reports for a socket it closed because its descriptor lay in the reserve.</summary>
    private const int ReserveReached = -1;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly EpollLoop _loop;
    private readonly ILogger _logger;
    private readonly int _maxReadBufferBytes;
    private readonly Lock _gate = new();
    private readonly SocketAddress _peer;
    private readonly IPEndPoint _addressParser;
    private readonly DescriptorReserve _reserve;
    private ManualResetValueTaskSourceCore<bool> _ready;
    private AcceptFailureLog _failures;
    private int _fd;
    private bool _signaled;
    private bool _waiting;
    private bool _unbound;

    // Kestrel's accept loop calls one accept at a time: read and written only there.
    private bool _paused;

    private EpollListener(EpollLoop loop, ILogger logger, int fd, IPEndPoint bound, int backlog, int maxReadBufferBytes, DescriptorReserve reserve)
    {
        _loop = loop;
        _reserve = reserve;
        _logger = logger;
        _fd = fd;
        _maxReadBufferBytes = maxReadBufferBytes;
        EndPoint = new EpollEndPoint(bound.Address, bound.Port, backlog);
        _addressParser = bound;
        _peer = new SocketAddress(bound.AddressFamily);
        // Inline: in a connect burst Kestrel's accept loop then runs on the epoll thread and accepts the whole backlog
        // there, instead of costing a thread-pool wake-up per burst.
        _ready.RunContinuationsAsynchronously = false;
    }

    public EndPoint EndPoint { get; }

    /// <summary>
    /// Binds and listens. <c>[::]</c> is bound dual-stack (IPv4 clients appear as IPv4-mapped addresses, as with
    /// Kestrel's sockets), falling back to <c>0.0.0.0</c> where the host has no IPv6.
    /// </summary>
    public static EpollListener Bind(EpollLoop loop, ILogger logger, EpollEndPoint endPoint, int maxReadBufferBytes, DescriptorReserve reserve)
    {
        int fd = -1;
        try
        {
            fd = OpenAndBind(endPoint, endPoint.Backlog, out IPEndPoint bound);
            var listener = new EpollListener(loop, logger, fd, bound, endPoint.Backlog, maxReadBufferBytes, reserve);
            loop.AddListener(listener, fd);
            return listener;
        }
        catch when (fd >= 0)
        {
            Libc.Close(fd);
            throw;
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_paused && !HasRoom())
            {
                // At the reserve: nothing is accepted until a descriptor below the ceiling is free.
                if (_failures.OnFailure())
                {
                    Log.EpollAcceptPaused(_logger, _reserve.Ceiling, OpenFileLimit.ReservedDescriptors, _failures.Failures);
                }

                await Task.Delay(RetryDelay, CancellationToken.None);
                if (cancellationToken.IsCancellationRequested || IsUnbound)
                {
                    return null;
                }

                continue;
            }

            EpollConnection? connection = TryAccept(out int errno);
            if (connection is not null)
            {
                return connection;
            }

            if (errno == Libc.EAgain)
            {
                // The backlog is empty: every client that waited is in, and the episode ends (one line for it, not one
                // per client let in). The next burst is accepted without probing until it reaches the ceiling again.
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
                // Unbound: the descriptor is closed.
                return null;
            }
            else if (errno is ReserveReached or Libc.EMFile or Libc.ENFile or Libc.ENoMem or Libc.ENoBufs)
            {
                // Out of descriptors or memory, or at the reserve kept for the runtime: the backlog holds the clients
                // until something closes (the loop above probes before each accept from now on).
                _paused = true;
                if (_failures.OnFailure())
                {
                    if (errno == ReserveReached)
                    {
                        Log.EpollAcceptPaused(_logger, _reserve.Ceiling, OpenFileLimit.ReservedDescriptors, _failures.Failures);
                    }
                    else
                    {
                        Log.EpollAcceptFailed(_logger, errno, _failures.Failures);
                    }
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

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        bool wake;
        lock (_gate)
        {
            if (_unbound)
            {
                return ValueTask.CompletedTask;
            }

            _unbound = true;
            Libc.Close(_fd);
            _fd = -1;
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            _ready.SetResult(false);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => UnbindAsync();

    /// <summary>The loop saw new connections arrive (on the loop thread).</summary>
    public void OnAcceptReady()
    {
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

    bool IValueTaskSource<bool>.GetResult(short token) => _ready.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _ready.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _ready.OnCompleted(continuation, state, token, flags);

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

    /// <summary>Whether a descriptor below the reserve is free (the probe runs under the gate: the listener's descriptor stays open).</summary>
    private bool HasRoom()
    {
        lock (_gate)
        {
            return !_unbound && _reserve.HasRoom(_fd);
        }
    }

    /// <summary>One <c>accept4</c>; the connection, or null with the errno (0 if the new socket was refused).</summary>
    private unsafe EpollConnection? TryAccept(out int errno)
    {
        int fd;
        EndPoint? remote = null;
        lock (_gate)
        {
            if (_unbound)
            {
                errno = Libc.EBadF;
                return null;
            }

            uint length = (uint)_peer.Buffer.Length;
            fixed (byte* address = _peer.Buffer.Span)
            {
                fd = Libc.Accept4(_fd, address, &length, AcceptFlags);
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

            // Parsed under the lock: the address buffer is the listener's, shared by every accept.
            _peer.Size = (int)length;
            try
            {
                remote = _addressParser.Create(_peer);
            }
            catch (Exception ex) when (ex is ArgumentException or SocketException)
            {
                // A peer whose address does not parse is still served; it is merely not trusted.
            }
        }

        errno = 0;
        var connection = new EpollConnection(_loop, fd, EndPoint, remote, _maxReadBufferBytes);
        if (!_loop.Register(connection))
        {
            Libc.Close(fd);
            return null;
        }

        return connection;
    }

    private static unsafe int OpenAndBind(IPEndPoint endPoint, int backlog, out IPEndPoint bound)
    {
        int fd = Libc.Socket(endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AfInet6 : Libc.AfInet, Libc.SockStream | Libc.SockNonBlock | Libc.SockCloExec, 0);
        if (fd < 0 && endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any) && Libc.Errno == Libc.EAfNoSupport)
        {
            return OpenAndBind(new IPEndPoint(IPAddress.Any, endPoint.Port), backlog, out bound);
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

            if (Libc.Listen(fd, backlog) != 0)
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
