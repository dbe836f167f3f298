using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Worker;
using Janus.Native;

namespace Janus.Bot.Storm;

/// <summary>
/// One thread driving a share of a storm's clients over raw non-blocking sockets and one level-triggered epoll set, as
/// <see cref="ReceiveLoop"/> does for the classic test: setup (connect, greeting, <c>hello</c>, subscribes), then every
/// delivery checked against the publisher's numbering and its position kept; on a cut, connections closed with a
/// reset and, after the outage, reconnected and resumed with the token and the last positions.
/// </summary>
/// <remarks>
/// Hot path (a delivery): no allocation (clients and cursors are structs in arrays, the receive buffer is native and
/// shared, a message cut by a read boundary is kept in a pooled array), one <see cref="System.Text.Json.Utf8JsonReader"/>
/// pass over the delivery. Commands from the worker's control thread arrive through a queue and an eventfd, so the
/// loop never takes a lock. Reconnects share <c>--connect-concurrency</c> with setup: a storm of 10,000 comes back at
/// most that many at a time, as clients with backoff would.
/// </remarks>
internal sealed unsafe partial class StormLoop : IDisposable
{
    private const int MaxEvents = 1024;
    private const int ReceiveSize = 64 * 1024;
    private const int MaxPending = 1024 * 1024;
    private const ulong WakeToken = ulong.MaxValue;
    private const int MaxSetupAttempts = 4;
    private const int MaxReturnAttempts = 10;
    private const int MaxLoggedErrors = 5;
    private const int TokenSize = 32;
    private static readonly TimeSpan ByeTimeout = TimeSpan.FromSeconds(3);

    private static readonly byte[] PingFrame = "<regular-socket/>\0PING\0"u8.ToArray();
    private static readonly byte[] PongFrame = "<regular-socket/>\0PONG\0"u8.ToArray();
    private static readonly byte[] HelloFrame = SessionFrames.Hello();
    private static readonly byte[] ByeFrame = SessionFrames.Bye();

    private readonly StormClient[] _clients;
    private readonly TopicCursor[] _cursors;
    private readonly byte[] _tokens;
    private readonly byte[] _freshTokens;
    private readonly SocketAddressV4[] _hosts;
    private readonly SocketAddressV4[] _sources;
    private readonly string[] _topics;
    private readonly byte[][] _topicBytes;
    private readonly byte[][] _subscribeFrames;
    private readonly int _perClient;
    private readonly bool _resumeOnNextHost;
    private readonly long _outageUs;
    private readonly List<byte[]> _epochs = [];
    private readonly List<string> _epochNames = [];
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly EpollEvents _events = new(MaxEvents);
    private readonly byte* _buffer;
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly Thread _thread;
    private readonly TextWriter _log;
    private readonly string _name;
    private readonly Queue<int> _connectQueue;
    private readonly PriorityQueue<int, long> _away = new();
    private readonly int _maxInFlight;
    private readonly Dictionary<int, StormEpisode> _episodes = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Setup.
    private int _inFlight;
    private bool _setupRunning;
    private long _setupDeadlineUs;
    private TaskCompletionSource? _setupDone;
    private int _connected;
    private int _subscribed;
    private int _failed;
    private int _loggedErrors;

    // The cut being followed, if any.
    private StormEpisode? _round;

    // Over the whole run.
    private long _deliveries;
    private long _gaps;
    private long _duplicates;
    private long _outOfOrder;
    private long _errors;
    private readonly LatencyRecorder _replayed = new();
    private readonly LatencyRecorder _live = new();

    // The end: every client reaches the publisher's last numbers.
    private long[]? _final;
    private long _drainRemaining;
    private long _drainDeadlineUs;
    private TaskCompletionSource<StormTally>? _drainDone;
    private bool _stopping;
    private int _leaving;
    private long _byeDeadlineUs;

    /// <summary>Starts the loop's thread; each client's host, source and first topic index are given.</summary>
    public StormLoop(
        string name,
        IReadOnlyList<(int Host, int Source, int FirstTopic)> clients,
        SocketAddressV4[] hosts,
        SocketAddressV4[] sources,
        string[] topics,
        int topicsPerClient,
        int maxInFlight,
        bool resumeOnNextHost,
        TimeSpan outage,
        TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(topics);
        _name = name;
        _hosts = hosts;
        _sources = sources;
        _topics = topics;
        _perClient = Math.Clamp(topicsPerClient, 1, topics.Length);
        _resumeOnNextHost = resumeOnNextHost && hosts.Length > 1;
        _outageUs = (long)outage.TotalMicroseconds;
        _maxInFlight = Math.Max(1, maxInFlight);
        _log = log;
        _clients = new StormClient[clients.Count];
        _cursors = new TopicCursor[clients.Count * _perClient];
        _tokens = new byte[clients.Count * TokenSize];
        _freshTokens = new byte[clients.Count * TokenSize];
        _connectQueue = new Queue<int>(clients.Count);
        for (int i = 0; i < clients.Count; i++)
        {
            _clients[i] = new StormClient { Fd = -1, Host = clients[i].Host, Source = clients[i].Source, FirstTopic = clients[i].FirstTopic };
            for (int k = 0; k < _perClient; k++)
            {
                _cursors[(i * _perClient) + k] = TopicCursor.Start();
            }

            _connectQueue.Enqueue(i);
        }

        _topicBytes = topics.Select(Encoding.UTF8.GetBytes).ToArray();
        _subscribeFrames = topics.Select(t => SessionFrames.Subscribe(t)).ToArray();
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

        _episodes[0] = new StormEpisode(0);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public int Connected => Volatile.Read(ref _connected);

    public int Subscribed => Volatile.Read(ref _subscribed);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Connects, opts in and subscribes every client; completes when all are subscribed or have failed.</summary>
    public Task SetupAsync(TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long deadline = WallClock.NowMicroseconds() + (long)timeout.TotalMicroseconds;
        Post(() =>
        {
            _setupDone = done;
            _setupDeadlineUs = deadline;
            _setupRunning = true;
            PumpConnects();
            CheckSetup(WallClock.NowMicroseconds());
        });
        return done.Task;
    }

    /// <summary>
    /// Cuts <paramref name="fraction"/> of the subscribed clients at once (reset), and follows them back; completes
    /// when every one caught up or failed, or at <paramref name="deadlineUs"/>.
    /// </summary>
    public Task<StormEpisodeTally> CutAsync(int round, double fraction, int seed, long deadlineUs)
    {
        var done = new TaskCompletionSource<StormEpisodeTally>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() => Cut(round, fraction, seed, deadlineUs, done));
        return done.Task;
    }

    /// <summary>
    /// The publisher stopped at <paramref name="finalSequences"/> (per topic): waits until every client holds them
    /// (or the deadline), then counts what is missing.
    /// </summary>
    public Task<StormTally> DrainAsync(long[] finalSequences, long deadlineUs)
    {
        var done = new TaskCompletionSource<StormTally>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() => Drain(finalSequences, deadlineUs, done));
        return done.Task;
    }

    /// <summary>
    /// Ends every session with <c>bye</c> and waits (at most <see cref="ByeTimeout"/>) for the server to close, so no
    /// session is left parked for the grace period to load the next run; then closes whatever is left (abortively)
    /// and ends the thread.
    /// </summary>
    public Task StopAsync()
    {
        Post(SayBye);
        return _stopped.Task;
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

    private void Post(Action command)
    {
        _commands.Enqueue(command);
        ulong one = 1;
        Libc.Write(_wakeFd, &one, sizeof(ulong));
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
                ReturnFromAway(now);
                PumpConnects();
                if (_setupRunning)
                {
                    CheckSetup(now);
                }

                if (_round is not null && now >= _round.DeadlineUs)
                {
                    FinishRound();
                }

                if (_drainDone is not null && now >= _drainDeadlineUs)
                {
                    FinishDrain();
                }

                if (_byeDeadlineUs != 0 && now >= _byeDeadlineUs)
                {
                    _stopping = true;
                }
            }
        }
        catch (Exception ex)
        {
            _log.WriteLine($"{_name}: storm loop failed: {ex}");
            _setupDone?.TrySetException(ex);
            _round?.Done?.TrySetException(ex);
            _drainDone?.TrySetException(ex);
        }
        finally
        {
            for (int i = 0; i < _clients.Length; i++)
            {
                CloseSocket(ref _clients[i]);
            }

            _stopped.TrySetResult();
        }
    }

    private int NextTimeoutMs()
    {
        long next = long.MaxValue;
        if (_setupRunning)
        {
            next = _setupDeadlineUs;
        }

        if (_round is not null)
        {
            next = Math.Min(next, _round.DeadlineUs);
        }

        if (_drainDone is not null)
        {
            next = Math.Min(next, _drainDeadlineUs);
        }

        if (_byeDeadlineUs != 0)
        {
            next = Math.Min(next, _byeDeadlineUs);
        }

        if (_away.TryPeek(out _, out long returnAt))
        {
            next = Math.Min(next, returnAt);
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

    private int TopicOf(int index, int k) => (_clients[index].FirstTopic + k) % _topics.Length;

    private void LogError(string message)
    {
        if (_loggedErrors++ < MaxLoggedErrors)
        {
            _log.WriteLine($"{_name}: {message}");
        }
    }
}
