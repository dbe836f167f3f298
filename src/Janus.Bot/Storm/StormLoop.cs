using System.Buffers;
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

    private void Cut(int round, double fraction, int seed, long deadlineUs, TaskCompletionSource<StormEpisodeTally> done)
    {
        var episode = new StormEpisode(round) { Done = done, DeadlineUs = deadlineUs };
        _episodes[round] = episode;
        _round = episode;
        var live = new List<int>(_clients.Length);
        for (int i = 0; i < _clients.Length; i++)
        {
            if (_clients[i].Phase == StormPhase.Live)
            {
                live.Add(i);
            }
        }

        int count = (int)Math.Round(Math.Clamp(fraction, 0, 1) * live.Count);
        int[] chosen = [.. live];
        if (count < chosen.Length)
        {
            new Random(seed).Shuffle(chosen);
        }

        // All at once: the loop does nothing else until every chosen connection is reset.
        long now = WallClock.NowMicroseconds();
        for (int c = 0; c < count; c++)
        {
            GoAway(chosen[c], episode, now);
        }

        if (episode.Settled)
        {
            FinishRound();
        }
    }

    private void SayBye()
    {
        _setupRunning = false;
        _connectQueue.Clear();
        _away.Clear();
        for (int i = 0; i < _clients.Length; i++)
        {
            ref StormClient client = ref _clients[i];
            if (client.Phase == StormPhase.Live && Send(client.Fd, ByeFrame))
            {
                client.Phase = StormPhase.Leaving;
                _leaving++;
            }
        }

        _byeDeadlineUs = WallClock.NowMicroseconds() + (long)ByeTimeout.TotalMicroseconds;
        _stopping = _leaving == 0;
    }

    /// <summary>A client that said bye: what still arrives is dropped; the server's close ends it.</summary>
    private void OnLeaving(int index)
    {
        ref StormClient client = ref _clients[index];
        nint received = Libc.Recv(client.Fd, _buffer, ReceiveSize, 0);
        if (received > 0 || (received < 0 && Libc.Errno is Libc.EAgain or Libc.EIntr))
        {
            return;
        }

        CloseSocket(ref client);
        client.Phase = StormPhase.Failed;
        if (--_leaving == 0)
        {
            _stopping = true;
        }
    }

    /// <summary>Resets the client's connection and schedules its comeback, as part of <paramref name="episode"/>.</summary>
    private void GoAway(int index, StormEpisode episode, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        CloseSocket(ref client);
        client.Episode = episode.Tally.Round;
        client.CutAtUs = nowUs;
        client.Returning = true;
        client.Resumed = false;
        client.CaughtUp = false;
        client.Attempts = 0;
        episode.Tally.Cut++;
        if (episode.Tally.FirstCutUs == 0)
        {
            episode.Tally.FirstCutUs = nowUs;
        }

        Schedule(index, nowUs + _outageUs);
    }

    private void Schedule(int index, long returnAtUs)
    {
        ref StormClient client = ref _clients[index];
        if (_resumeOnNextHost)
        {
            client.Host = (client.Host + 1) % _hosts.Length;
        }

        client.Phase = StormPhase.Away;
        client.ReturnAtUs = returnAtUs;
        _away.Enqueue(index, returnAtUs);
    }

    private void ReturnFromAway(long nowUs)
    {
        while (_away.TryPeek(out int index, out long returnAt) && returnAt <= nowUs)
        {
            _away.Dequeue();
            if (_clients[index].Phase == StormPhase.Away)
            {
                _clients[index].Phase = StormPhase.Waiting;
                _connectQueue.Enqueue(index);
            }
        }
    }

    private void FinishRound()
    {
        StormEpisode? episode = _round;
        _round = null;
        episode?.Done?.TrySetResult(episode.Snapshot());
    }

    private void Drain(long[] finalSequences, long deadlineUs, TaskCompletionSource<StormTally> done)
    {
        _final = finalSequences;
        _drainDeadlineUs = deadlineUs;
        _drainDone = done;
        _drainRemaining = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            if (!_clients[i].Joined || _clients[i].Phase == StormPhase.Failed)
            {
                continue;
            }

            for (int k = 0; k < _perClient; k++)
            {
                if (_cursors[(i * _perClient) + k].Highest < finalSequences[TopicOf(i, k)])
                {
                    _drainRemaining++;
                }
            }
        }

        if (_drainRemaining == 0)
        {
            FinishDrain();
        }
    }

    private void FinishDrain()
    {
        long tail = 0, clients = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            if (!_clients[i].Joined)
            {
                continue;
            }

            clients++;
            for (int k = 0; k < _perClient; k++)
            {
                tail += Math.Max(0, _final![TopicOf(i, k)] - _cursors[(i * _perClient) + k].Highest);
            }
        }

        var tally = new StormTally
        {
            Clients = clients,
            Deliveries = _deliveries,
            Lost = _gaps + tail,
            Duplicates = _duplicates,
            OutOfOrder = _outOfOrder,
            Errors = _errors,
            Unplanned = _episodes[0].Snapshot(),
            Replayed = _replayed.ToStats(),
            Live = _live.ToStats(),
        };
        TaskCompletionSource<StormTally>? done = _drainDone;
        _drainDone = null;
        done?.TrySetResult(tally);
    }

    private int TopicOf(int index, int k) => (_clients[index].FirstTopic + k) % _topics.Length;

    private void PumpConnects()
    {
        while (_inFlight < _maxInFlight && _connectQueue.Count > 0)
        {
            BeginConnect(_connectQueue.Dequeue());
        }
    }

    private void BeginConnect(int index)
    {
        ref StormClient client = ref _clients[index];
        client.Attempts++;
        int fd = Libc.Socket(Libc.AfInet, Libc.SockStream | Libc.SockNonBlock | Libc.SockCloExec, 0);
        if (fd < 0)
        {
            // Out of file descriptors: retrying will not help.
            LogError($"socket() failed: errno {Libc.Errno}");
            GiveUp(index);
            return;
        }

        int one = 1;
        Libc.SetSockOpt(fd, Libc.IpProtoTcp, Libc.TcpNoDelay, &one, sizeof(int));
        if (_sources.Length > 0)
        {
            Libc.SetSockOpt(fd, Libc.IpProtoIp, Libc.IpBindAddressNoPort, &one, sizeof(int));
            SocketAddressV4 source = _sources[client.Source];
            if (Libc.Bind(fd, &source, SocketAddressV4.Size) < 0)
            {
                LogError($"bind() failed: errno {Libc.Errno}");
                Libc.Close(fd);
                GiveUp(index);
                return;
            }
        }

        client.Fd = fd;
        client.Phase = StormPhase.Connecting;
        _inFlight++;
        SocketAddressV4 destination = _hosts[client.Host];
        if (Libc.Connect(fd, &destination, SocketAddressV4.Size) < 0 && Libc.Errno != Libc.EInProgress)
        {
            LogError($"connect() failed: errno {Libc.Errno}");
            RetryOrFail(index);
            return;
        }

        if (EpollEvents.Control(_epfd, Libc.EpollCtlAdd, fd, Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup, (ulong)index) < 0)
        {
            LogError($"epoll_ctl failed: errno {Libc.Errno}");
            RetryOrFail(index);
        }
    }

    private void CheckSetup(long nowUs)
    {
        if (_subscribed + _failed < _clients.Length && nowUs < _setupDeadlineUs)
        {
            return;
        }

        if (_subscribed + _failed < _clients.Length)
        {
            // Out of time: whoever is not subscribed has failed.
            for (int i = 0; i < _clients.Length; i++)
            {
                ref StormClient client = ref _clients[i];
                if (!client.Joined && client.Phase != StormPhase.Failed)
                {
                    CloseSocket(ref client);
                    client.Phase = StormPhase.Failed;
                    _failed++;
                }
            }

            _connectQueue.Clear();
            _inFlight = 0;
            Volatile.Write(ref _failed, _failed);
        }

        _setupRunning = false;
        _setupDone?.TrySetResult();
        _setupDone = null;
    }

    /// <summary>A connection in progress ended: try again (a few times, with backoff on a comeback), else give up.</summary>
    private void RetryOrFail(int index)
    {
        ref StormClient client = ref _clients[index];
        CloseSocket(ref client);
        _inFlight--;
        if (!client.Returning && _setupRunning && client.Attempts < MaxSetupAttempts)
        {
            client.Phase = StormPhase.Waiting;
            _connectQueue.Enqueue(index);
        }
        else if (client.Returning && client.Attempts < MaxReturnAttempts)
        {
            // 50 ms, 100 ms, … up to 1 s: a node that is down (or restarting) is not hammered.
            long backoffUs = Math.Min(1_000_000, 50_000L << Math.Min(client.Attempts - 1, 5));
            Schedule(index, WallClock.NowMicroseconds() + backoffUs);
        }
        else
        {
            GiveUp(index);
        }
    }

    private void GiveUp(int index)
    {
        ref StormClient client = ref _clients[index];
        client.Phase = StormPhase.Failed;
        Volatile.Write(ref _failed, _failed + 1);
        if (client.Returning && _episodes.TryGetValue(client.Episode, out StormEpisode? episode))
        {
            episode.Tally.Failed++;
            if (ReferenceEquals(episode, _round) && episode.Settled)
            {
                FinishRound();
            }
        }

        if (_drainDone is not null)
        {
            for (int k = 0; k < _perClient; k++)
            {
                if (_cursors[(index * _perClient) + k].Highest < _final![TopicOf(index, k)])
                {
                    DrainProgress();
                }
            }
        }
    }

    private void DrainProgress()
    {
        if (--_drainRemaining <= 0 && _drainDone is not null)
        {
            FinishDrain();
        }
    }

    private static bool Send(int fd, byte[] bytes)
    {
        fixed (byte* p = bytes)
        {
            return Libc.Send(fd, p, (nuint)bytes.Length, Libc.MsgNoSignal | Libc.MsgDontWait) == bytes.Length;
        }
    }

    private static void CloseSocket(ref StormClient client)
    {
        if (client.Fd < 0)
        {
            return;
        }

        // SO_LINGER 0: close sends RST (the cut is a reset, as a network failure looks to the server), and neither side
        // keeps the 4-tuple in TIME_WAIT, so thousands of comebacks from the same source addresses find ports.
        long linger = 1; // struct linger { int l_onoff = 1; int l_linger = 0; }
        Libc.SetSockOpt(client.Fd, Libc.SolSocket, Libc.SoLinger, &linger, sizeof(long));
        Libc.Close(client.Fd);
        client.Fd = -1;
        if (client.Pending is not null)
        {
            ArrayPool<byte>.Shared.Return(client.Pending);
            client.Pending = null;
            client.PendingLength = 0;
        }
    }

    private void LogError(string message)
    {
        if (_loggedErrors++ < MaxLoggedErrors)
        {
            _log.WriteLine($"{_name}: {message}");
        }
    }
}
