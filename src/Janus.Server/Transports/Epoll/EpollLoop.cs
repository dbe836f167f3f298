using System.Collections.Concurrent;
using Janus.Native;
using Janus.Server.Fanout;
using Janus.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// One event loop of the epoll transport: a thread and an edge-triggered epoll set holding its listening sockets
/// (one per listener, see <see cref="ListenSocket"/>) and each connection accepted from them (registered once, for
/// input and output, never modified), plus an eventfd for work posted from other threads. There is one loop per core
/// by default (<c>Janus:Tcp:EventLoops</c>); a connection stays on the loop that accepted it, and loops share no
/// lock on the hot path (docs/architecture.md).
/// </summary>
/// <remarks>
/// <para>Readable connections are received from here and their reader's continuation runs inline, so a client's
/// subscribe is read, handled and ACKed on this thread with no hand-off. Fan-out writes happen on the sender threads;
/// when a socket that was full has room again, this thread only tells the waiting flush (the rest leaves with the
/// sender's next write), and it sends itself only what a completed output still holds.</para>
/// <para>An event names its connection by descriptor and generation. Descriptors are reused by the kernel as soon as
/// they are closed, so an event still in the batch for a closed connection must not reach the connection that got the
/// same number: the generation tells them apart.</para>
/// </remarks>
internal sealed unsafe class EpollLoop : IDisposable
{
    /// <summary>
    /// How long a connection the server closes waits for the peer's end of the stream (see
    /// <see cref="EpollConnection.OnOutputEnded"/>). Long enough for a client to see the end and answer across a
    /// slow network (a few round trips), short enough that a client which never closes costs little: the same two
    /// seconds Apache's lingering close reads for.
    /// </summary>
    public static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(2);

    private const int MaxEvents = 1024;

    // The ACKs and greetings of a pass are written from here, as a reader answers its own client; a pass that woke
    // more queues than this (a fan-out) hands them to the sender threads.
    private const int MaxInlineDrainsPerPass = 256;
    private const ulong WakeToken = ulong.MaxValue;
    private const ulong ListenerFlag = 1UL << 63;
    private const uint ConnectionEvents = Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup | Libc.EpollEt;

    private readonly ILogger _logger;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly EpollEvents _events = new(MaxEvents);
    private readonly ConcurrentQueue<EpollConnection> _resumes = new();
    private readonly ConcurrentQueue<Action> _posted = new();

    // Lingering connections by deadline (Environment.TickCount64): appended in deadline order, as the linger time is
    // the same for all. One that ended early stays until its deadline, when ending it again does nothing.
    private readonly Queue<(EpollConnection Connection, long Deadline)> _lingering = new();
    private readonly Lock _lingerGate = new();
    private int _lingerCount;
    private readonly Lock _slotsGate = new();
    private readonly List<ListenSocket> _listeners = [];
    private readonly Thread _thread;
    private EpollConnection?[] _slots = new EpollConnection?[1024];
    private int _generation;
    private int _connections;
    private volatile bool _stopping;
    private bool _releaseOnExit;

    public EpollLoop(ILogger logger, int index = 0)
    {
        _logger = logger;
        Index = index;
        _epfd = Libc.EpollCreate1(Libc.EpollCloExec);
        if (_epfd < 0)
        {
            throw new IOException($"epoll_create1 failed (errno {Libc.Errno}).");
        }

        _wakeFd = Libc.EventFd(0, Libc.EfdNonBlock | Libc.EfdCloExec);
        if (_wakeFd < 0 || EpollEvents.Control(_epfd, Libc.EpollCtlAdd, _wakeFd, Libc.EpollIn, WakeToken) != 0)
        {
            int errno = Libc.Errno;
            Libc.Close(_epfd);
            throw new IOException($"eventfd setup failed (errno {errno}).");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "janus-epoll-" + index };
        _thread.Start();
    }

    /// <summary>The loop's number, from 0.</summary>
    public int Index { get; }

    /// <summary>The connections registered on this loop now.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Watches a listening socket; its listener's <see cref="EpollListener.OnAcceptReady"/> runs on every new arrival.</summary>
    public void AddListener(ListenSocket socket)
    {
        int index;
        lock (_slotsGate)
        {
            index = _listeners.Count;
            _listeners.Add(socket);
        }

        if (EpollEvents.Control(_epfd, Libc.EpollCtlAdd, socket.Fd, Libc.EpollIn | Libc.EpollEt, ListenerFlag | (uint)index) != 0)
        {
            throw new IOException($"epoll_ctl on the listening socket failed (errno {Libc.Errno}).");
        }
    }

    /// <summary>A fresh generation number for a new connection (31 bits, never 0).</summary>
    public uint NextGeneration()
    {
        // Skipping 0 rather than setting the low bit: "| 1" gave two consecutive connections the same generation.
        uint generation;
        do
        {
            generation = (uint)Interlocked.Increment(ref _generation) & 0x7FFF_FFFF;
        }
        while (generation == 0);

        return generation;
    }

    /// <summary>Starts watching a connection's socket for input and output. False if epoll refused it.</summary>
    public bool Register(EpollConnection connection)
    {
        int fd = connection.Fd;
        lock (_slotsGate)
        {
            if (fd >= _slots.Length)
            {
                EpollConnection?[] grown = new EpollConnection?[Math.Max(fd + 1, _slots.Length * 2)];
                _slots.CopyTo(grown, 0);

                // Published before the descriptor is added below, so the loop sees the new array for its events.
                Volatile.Write(ref _slots, grown);
            }

            _slots[fd] = connection;
        }

        Interlocked.Increment(ref _connections);

        ulong token = ((ulong)connection.Generation << 32) | (uint)fd;
        if (EpollEvents.Control(_epfd, Libc.EpollCtlAdd, fd, ConnectionEvents, token) != 0)
        {
            Unregister(connection);
            return false;
        }

        return true;
    }

    /// <summary>Forgets a connection whose descriptor is about to be closed.</summary>
    public void Unregister(EpollConnection connection)
    {
        lock (_slotsGate)
        {
            EpollConnection?[] slots = _slots;
            int fd = connection.Fd;
            if ((uint)fd < (uint)slots.Length && ReferenceEquals(slots[fd], connection))
            {
                slots[fd] = null;
                Interlocked.Decrement(ref _connections);
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread, after the events of the current pass.</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        ulong one = 1;
        Libc.Write(_wakeFd, &one, sizeof(ulong));
    }

    /// <summary>Aborts every connection of this loop that <paramref name="listener"/> served inline (a shutdown past its time).</summary>
    public void AbortServedBy(EpollListener listener)
    {
        EpollConnection?[] slots;
        lock (_slotsGate)
        {
            slots = (EpollConnection?[])_slots.Clone();
        }

        foreach (EpollConnection? connection in slots)
        {
            if (connection is not null && ReferenceEquals(connection.ServedBy, listener))
            {
                connection.Abort();
            }
        }
    }

    /// <summary>Has the loop receive for <paramref name="connection"/> again (its reader made room after a pause).</summary>
    public void ResumeReceive(EpollConnection connection)
    {
        _resumes.Enqueue(connection);
        ulong one = 1;
        Libc.Write(_wakeFd, &one, sizeof(ulong));
    }

    /// <summary>Closes <paramref name="connection"/> after <see cref="LingerTime"/> unless its peer ends first.</summary>
    public void Linger(EpollConnection connection)
    {
        bool wake;
        lock (_lingerGate)
        {
            // The loop waits without a timeout while nothing lingers: the first one must wake it to set one.
            wake = _lingering.Count == 0;
            _lingering.Enqueue((connection, Environment.TickCount64 + (long)LingerTime.TotalMilliseconds));
            Volatile.Write(ref _lingerCount, _lingering.Count);
        }

        if (wake)
        {
            ulong one = 1;
            Libc.Write(_wakeFd, &one, sizeof(ulong));
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        if (Thread.CurrentThread == _thread)
        {
            // Disposed by a continuation running on the loop (an application that disposes its host after a read):
            // a join would wait for itself, and Run is still reading the events. Run releases them as it ends.
            _releaseOnExit = true;
            return;
        }

        ulong one = 1;
        Libc.Write(_wakeFd, &one, sizeof(ulong));
        _thread.Join(TimeSpan.FromSeconds(2));
        Release();
    }

    private void Release()
    {
        Libc.Close(_wakeFd);
        Libc.Close(_epfd);
        _events.Dispose();
    }

    private void Run()
    {
        // One fan-out scope stays open for as long as events keep coming and publishes wait in it, and closes (sending the deferred wake-ups)
        // only when a poll finds nothing more to read, as Redis writes to its clients only when its loop has read
        // everything ready. The original bot publishes each message on a connection of its own, all read here one
        // after the other: with a scope per read, the senders started on message 1 while 99 were still to come, and
        // a subscriber got several small writes instead of one. The scope's byte bound (FanoutBatch.MaxDeferredBytes)
        // still flushes early, so the deferral is bounded however long the input keeps coming.
        bool passOpen = false;
        FanoutBatch pass = default;
        while (!_stopping)
        {
            int untilLingerEnds = EndLingersDue();
            int count = Libc.EpollWait(_epfd, _events.Pointer, MaxEvents, passOpen ? 0 : untilLingerEnds);
            if (count < 0)
            {
                int errno = Libc.Errno;
                if (errno == Libc.EIntr)
                {
                    continue;
                }

                Log.EpollWaitFailed(_logger, errno);
                break;
            }

            if (count == 0)
            {
                if (passOpen)
                {
                    passOpen = false;
                    pass.Dispose();
                }

                continue;
            }

            if (!passOpen)
            {
                passOpen = true;
                pass = FanoutBatch.BeginEventLoopPass(MaxInlineDrainsPerPass);
            }

            for (int i = 0; i < count; i++)
            {
                Dispatch(_events.DataAt(i), _events.EventsAt(i));
            }

            if (!FanoutBatch.HoldsPublishes)
            {
                // Only replies (greetings, ACKs) are waiting: they go now, not after the next pass.
                passOpen = false;
                pass.Dispose();
            }
        }

        if (passOpen)
        {
            pass.Dispose();
        }

        if (_releaseOnExit)
        {
            Release();
        }
    }

    /// <summary>Closes the lingering connections whose time is up; the wait until the next one's (-1: none).</summary>
    private int EndLingersDue()
    {
        // Every pass comes here: without a lock while nothing lingers.
        if (Volatile.Read(ref _lingerCount) == 0)
        {
            return -1;
        }

        long now = Environment.TickCount64;
        while (true)
        {
            EpollConnection connection;
            lock (_lingerGate)
            {
                if (!_lingering.TryPeek(out (EpollConnection Connection, long Deadline) first))
                {
                    return -1;
                }

                if (first.Deadline > now)
                {
                    return (int)Math.Min(first.Deadline - now, int.MaxValue);
                }

                connection = _lingering.Dequeue().Connection;
                Volatile.Write(ref _lingerCount, _lingering.Count);
            }

            Guard(connection, static c => c.EndLinger());
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        if (token == WakeToken)
        {
            ulong value;
            Libc.Read(_wakeFd, &value, sizeof(ulong));
            while (_resumes.TryDequeue(out EpollConnection? resumed))
            {
                Guard(resumed, Libc.EpollIn);
            }

            while (_posted.TryDequeue(out Action? action))
            {
                try
                {
                    action();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Posted work (an accept turn) must never stop the loop every other connection depends on.
                    Log.EpollPostedWorkFailed(_logger, Index, ex);
                }
            }

            return;
        }

        if ((token & ListenerFlag) != 0)
        {
            ListenSocket socket;
            lock (_slotsGate)
            {
                socket = _listeners[(int)(token & int.MaxValue)];
            }

            try
            {
                socket.Listener.OnAcceptReady(socket);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.EpollPostedWorkFailed(_logger, Index, ex);
            }

            return;
        }

        int fd = (int)(uint)token;
        EpollConnection?[] slots = Volatile.Read(ref _slots);
        EpollConnection? connection = (uint)fd < (uint)slots.Length ? Volatile.Read(ref slots[fd]) : null;
        if (connection is not null && connection.Generation == (uint)(token >> 32))
        {
            Guard(connection, events);
        }
    }

    private void Guard(EpollConnection connection, uint events)
    {
        try
        {
            connection.OnEvents(events);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One connection's failure must never stop the loop every other connection depends on.
            Log.EpollConnectionFailed(_logger, connection.ConnectionId, ex);
            connection.Abort();
        }
    }

    private void Guard(EpollConnection connection, Action<EpollConnection> action)
    {
        try
        {
            action(connection);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One connection's failure must never stop the loop every other connection depends on.
            Log.EpollConnectionFailed(_logger, connection.ConnectionId, ex);
            connection.Abort();
        }
    }
}
