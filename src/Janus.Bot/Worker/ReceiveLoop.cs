using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Native;

namespace Janus.Bot.Worker;

/// <summary>
/// One thread driving a share of the bot's clients over raw non-blocking sockets and one level-triggered epoll set:
/// bounded parallel connects during setup (and a storm's comebacks), then one <c>recv</c> per readable socket into
/// one shared buffer, messages cut and classified by the <see cref="ClientProtocol"/>, heartbeats answered. What a
/// client does with a message is its mode's: <see cref="TestLoop"/> (the original's rounds) and
/// <see cref="Storm.StormLoop"/> (the reconnect storm) derive from this loop.
/// </summary>
/// <remarks>
/// Hot-path rules (a delivery): no allocation (clients are structs in arrays, the buffer is native and shared, a
/// message cut by a read boundary is kept in a pooled array), no JSON parse beyond what the mode needs, one clock
/// read per <c>recv</c>, one virtual call per message. Everything else (commands from the worker's control thread)
/// arrives through a queue and an eventfd, so the loop never takes a lock.
/// </remarks>
internal abstract unsafe partial class ReceiveLoop : IDisposable
{
    private const int MaxEvents = 1024;
    private const int ReceiveSize = 64 * 1024;
    private const int MaxPending = 1024 * 1024;
    private const ulong WakeToken = ulong.MaxValue;
    private const int MaxSetupAttempts = 4;
    private const int MaxLoggedErrors = 5;

    private readonly ClientProtocol _protocol;
    private readonly SocketAddressV4[] _hosts;
    private readonly SocketAddressV4[] _sources;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly EpollEvents _events = new(MaxEvents);
    private readonly byte* _buffer;
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly Thread _thread;
    private readonly TextWriter _log;
    private readonly string _name;
    private readonly Queue<int> _connectQueue;
    private readonly int _maxInFlight;

    // Setup.
    private bool _setupRunning;
    private long _setupDeadlineUs;
    private TaskCompletionSource? _setupDone;
    private int _connected;
    private int _subscribed;
    private int _failed;
    private int _loggedErrors;
    private bool _stopping;

    /// <summary>Each client's socket; index i is client i of this loop (and of the mode's own array).</summary>
    protected readonly ConnectionSlot[] Connections;

    /// <summary>Connects begun and not yet through (subscribed, resumed, or failed): bounded by the connect concurrency.</summary>
    protected int InFlight;

    /// <summary>Errors seen (malformed data, refusals, unreadable answers); the mode reports and resets them.</summary>
    protected long Errors;

    /// <summary>Creates the loop for <paramref name="clients"/> (each one's host and source index); <see cref="Start"/> runs it.</summary>
    protected ReceiveLoop(string name, ClientProtocol protocol, IReadOnlyList<(int Host, int Source)> clients, SocketAddressV4[] hosts, SocketAddressV4[] sources, int maxInFlight, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _name = name;
        _protocol = protocol;
        _hosts = hosts;
        _sources = sources;
        _maxInFlight = Math.Max(1, maxInFlight);
        _log = log;
        Connections = new ConnectionSlot[clients.Count];
        _connectQueue = new Queue<int>(clients.Count);
        for (int i = 0; i < clients.Count; i++)
        {
            Connections[i] = new ConnectionSlot { Fd = -1, Host = clients[i].Host, Source = clients[i].Source };
        }

        _buffer = (byte*)NativeMemory.Alloc(MaxPending + ReceiveSize);
        _epfd = Libc.EpollCreate1(Libc.EpollCloExec);
        if (_epfd < 0)
        {
            throw new IOException($"epoll_create1 failed: errno {Libc.Errno}");
        }

        _wakeFd = Libc.EventFd(0, Libc.EfdNonBlock | Libc.EfdCloExec);
        if (_wakeFd < 0 || EpollEvents.Control(_epfd, Libc.EpollCtlAdd, _wakeFd, Libc.EpollIn, WakeToken) < 0)
        {
            throw new IOException($"eventfd failed: errno {Libc.Errno}");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    public int ClientCount => Connections.Length;

    public int Connected => Volatile.Read(ref _connected);

    public int Subscribed => Volatile.Read(ref _subscribed);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Connects and subscribes every client; completes when all are subscribed or have failed.</summary>
    public Task SetupAsync(TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long deadline = WallClock.NowMicroseconds() + (long)timeout.TotalMicroseconds;
        Post(() =>
        {
            _setupDone = done;
            _setupDeadlineUs = deadline;
            _setupRunning = true;
            for (int i = 0; i < Connections.Length; i++)
            {
                _connectQueue.Enqueue(i);
            }

            PumpConnects();
            CheckSetup(WallClock.NowMicroseconds());
        });
        return done.Task;
    }

    /// <summary>
    /// The plain reconnect storm (<c>test --reconnect-storm</c>): resets every joined client's connection at once
    /// (<c>SO_LINGER</c> 0, as a network failure) and sets each up again exactly as at setup (connect, greet, subscribe:
    /// a legacy Janus client's or a Redis client's comeback, no resume); completes as <see cref="SetupAsync"/> does,
    /// when every one is subscribed again or has failed, or at <paramref name="timeout"/>.
    /// </summary>
    protected Task ReconnectAllAsync(TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long deadline = WallClock.NowMicroseconds() + (long)timeout.TotalMicroseconds;
        Post(() =>
        {
            // All at once: the loop does nothing else until every joined connection is reset and queued to come back.
            long nowUs = WallClock.NowMicroseconds();
            int cut = 0;
            for (int i = 0; i < Connections.Length; i++)
            {
                ref ConnectionSlot slot = ref Connections[i];
                if (!slot.Joined)
                {
                    continue;
                }

                CloseSocket(i);
                slot.Joined = false;
                slot.Attempts = 0;
                OnReconnecting(i, nowUs);
                _connectQueue.Enqueue(i);
                cut++;
            }

            // Each had been counted connected and subscribed once; it is counted again when it is back.
            Volatile.Write(ref _connected, _connected - cut);
            Volatile.Write(ref _subscribed, _subscribed - cut);
            _setupDone = done;
            _setupDeadlineUs = deadline;
            _setupRunning = true;
            PumpConnects();
            CheckSetup(nowUs);
        });
        return done.Task;
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            Post(() => _stopping = true);
            _thread.Join(TimeSpan.FromSeconds(10));
        }

        _events.Dispose();
        NativeMemory.Free(_buffer);
        Libc.Close(_wakeFd);
        Libc.Close(_epfd);
    }

    /// <summary>Starts the loop's thread (the mode's constructor calls it once its own state is ready).</summary>
    protected void Start() => _thread.Start();

    /// <summary>Runs <paramref name="command"/> on the loop's thread.</summary>
    protected void Post(Action command)
    {
        _commands.Enqueue(command);
        ulong one = 1;
        Libc.Write(_wakeFd, &one, sizeof(ulong));
    }

    /// <summary>Ends the loop after the current batch of events; every connection left is reset.</summary>
    protected void Stop() => _stopping = true;

    /// <summary>The next moment the mode has something to do without an event (a round's window, a comeback); MaxValue: none.</summary>
    protected virtual long NextDeadlineUs() => long.MaxValue;

    /// <summary>After each batch of events, before queued connects start: the mode's timers.</summary>
    protected virtual void OnTick(long nowUs)
    {
    }

    /// <summary>A joined client's connection was reset by <see cref="ReconnectAllAsync"/> and it is queued to connect again.</summary>
    protected virtual void OnReconnecting(int index, long nowUs)
    {
    }

    /// <summary>The loop failed: fail what the mode's callers wait for.</summary>
    protected abstract void OnFailed(Exception error);

    /// <summary>The loop ended and every connection is closed.</summary>
    protected abstract void OnStopped();

    protected void LogError(string message)
    {
        if (_loggedErrors++ < MaxLoggedErrors)
        {
            _log.WriteLine($"{_name}: {message}");
        }
    }

    private void Run()
    {
        try
        {
            while (!_stopping)
            {
                int ready = Libc.EpollWait(_epfd, _events.Pointer, MaxEvents, NextTimeoutMs());
                if (ready < 0)
                {
                    int errno = Libc.Errno;
                    if (errno == Libc.EIntr)
                    {
                        continue;
                    }

                    throw new IOException($"epoll_wait failed: errno {errno}");
                }

                for (int i = 0; i < ready; i++)
                {
                    ulong data = _events.DataAt(i);
                    if (data == WakeToken)
                    {
                        RunCommands();
                    }
                    else
                    {
                        OnEvent((int)data, _events.EventsAt(i));
                    }
                }

                long now = WallClock.NowMicroseconds();
                OnTick(now);
                PumpConnects();
                if (_setupRunning)
                {
                    CheckSetup(now);
                }
            }
        }
        catch (Exception ex)
        {
            _log.WriteLine($"{_name}: receive loop failed: {ex}");
            _setupDone?.TrySetException(ex);
            OnFailed(ex);
        }
        finally
        {
            for (int i = 0; i < Connections.Length; i++)
            {
                CloseSocket(i);
            }

            OnStopped();
        }
    }

    private int NextTimeoutMs()
    {
        long next = NextDeadlineUs();
        if (_setupRunning)
        {
            next = Math.Min(next, _setupDeadlineUs);
        }

        if (next == long.MaxValue)
        {
            return -1;
        }

        long waitUs = next - WallClock.NowMicroseconds();
        return waitUs <= 0 ? 0 : (int)Math.Min(int.MaxValue, (waitUs + 999) / 1000);
    }

    private void RunCommands()
    {
        ulong value;
        Libc.Read(_wakeFd, &value, sizeof(ulong));
        while (_commands.TryDequeue(out Action? command))
        {
            command();
        }
    }
}
