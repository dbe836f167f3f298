using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Native;
using Janus.Protocol;

namespace Janus.Bot.Worker;

/// <summary>
/// One thread driving a share of the bot's clients over raw non-blocking sockets and one level-triggered epoll set:
/// bounded parallel connects during setup, then one <c>recv</c> per readable socket into one shared buffer, messages
/// cut on the protocol's delimiter, the leading timestamp read, the latency recorded.
/// </summary>
/// <remarks>
/// Hot-path rules (a delivery): no allocation (clients are structs in one array, the buffer is native and shared, a
/// message cut by a read boundary is kept in a pooled array), no JSON parse beyond the timestamp, one clock read per
/// <c>recv</c>. Everything else (commands from the worker's control thread) arrives through a queue and an eventfd,
/// so the loop never takes a lock.
/// </remarks>
internal sealed unsafe class ReceiveLoop : IDisposable
{
    private const int MaxEvents = 1024;
    private const int ReceiveSize = 64 * 1024;
    private const int MaxPending = 1024 * 1024;
    private const ulong WakeToken = ulong.MaxValue;
    private const int MaxAttempts = 4;
    private const int MaxLoggedErrors = 5;

    private readonly ClientProtocol _protocol;
    private readonly ClientSlot[] _clients;
    private readonly SocketAddressV4[] _hosts;
    private readonly SocketAddressV4[] _sources;
    private readonly byte[][] _hello;
    private readonly byte[][] _subscribe;
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
    private readonly TaskCompletionSource<(long Late, long Duplicates)> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Setup.
    private int _inFlight;
    private bool _setupRunning;
    private long _setupDeadlineUs;
    private TaskCompletionSource? _setupDone;
    private int _connected;
    private int _subscribed;
    private int _failed;
    private int _loggedErrors;

    // The current round.
    private bool _armed;
    private bool _stopping;
    private int _round;
    private int _expectedPerClient;
    private long _notBeforeUs;
    private long _deadlineUs;
    private long _armedSubscribed;
    private long _remaining;
    private LatencyRecorder _recorder = new();
    private long _deliveries;
    private long _disconnected;
    private long _firstDeliveryUs;
    private long _lastDeliveryUs;
    private TaskCompletionSource<(RoundTally Tally, LatencyRecorder Latency)>? _roundDone;

    // Since the last report (a round's tally or the stop).
    private long _late;
    private long _duplicates;
    private long _errors;

    /// <summary>Starts the loop's thread; <paramref name="clients"/> gives each client's host, source and topic index.</summary>
    public ReceiveLoop(
        string name,
        ClientProtocol protocol,
        IReadOnlyList<(int Host, int Source, int Topic)> clients,
        SocketAddressV4[] hosts,
        SocketAddressV4[] sources,
        string[] topics,
        int maxInFlight,
        TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(topics);
        _name = name;
        _protocol = protocol;
        _hosts = hosts;
        _sources = sources;
        _maxInFlight = Math.Max(1, maxInFlight);
        _log = log;
        _clients = new ClientSlot[clients.Count];
        _connectQueue = new Queue<int>(clients.Count);
        for (int i = 0; i < clients.Count; i++)
        {
            _clients[i] = new ClientSlot { Fd = -1, Host = clients[i].Host, Source = clients[i].Source, Topic = clients[i].Topic };
            _connectQueue.Enqueue(i);
        }

        _hello = new byte[topics.Length][];
        _subscribe = new byte[topics.Length][];
        for (int t = 0; t < topics.Length; t++)
        {
            _hello[t] = protocol.Hello(topics[t]);
            _subscribe[t] = protocol.Subscribe(topics[t]);
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
        _thread.Start();
    }

    public int ClientCount => _clients.Length;

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
            PumpConnects();
            CheckSetup(WallClock.NowMicroseconds());
        });
        return done.Task;
    }

    /// <summary>Starts counting a round; completes when every subscribed client got its messages or the window closed.</summary>
    /// <remarks>The latencies come back raw: encoding the histogram is left to the caller, outside the round's CPU.</remarks>
    public Task<(RoundTally Tally, LatencyRecorder Latency)> ArmAsync(int round, int expectedPerClient, long notBeforeUs, long deadlineUs)
    {
        var done = new TaskCompletionSource<(RoundTally, LatencyRecorder)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() => Arm(round, expectedPerClient, notBeforeUs, deadlineUs, done));
        return done.Task;
    }

    /// <summary>Closes every connection (abortively: no TIME_WAIT left behind) and ends the thread.</summary>
    public Task<(long Late, long Duplicates)> StopAsync()
    {
        Post(() => _stopping = true);
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

                if (_setupRunning)
                {
                    PumpConnects();
                    CheckSetup(WallClock.NowMicroseconds());
                }

                if (_armed && WallClock.NowMicroseconds() >= _deadlineUs)
                {
                    FinishRound(WallClock.NowMicroseconds());
                }
            }
        }
        catch (Exception ex)
        {
            _log.WriteLine($"{_name}: receive loop failed: {ex}");
            _setupDone?.TrySetException(ex);
            _roundDone?.TrySetException(ex);
        }
        finally
        {
            CloseAll();
            _stopped.TrySetResult((_late, _duplicates));
        }
    }

    private int NextTimeoutMs()
    {
        long next = long.MaxValue;
        if (_setupRunning)
        {
            next = _setupDeadlineUs;
        }

        if (_armed)
        {
            next = Math.Min(next, _deadlineUs);
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

    private void OnEvent(int index, uint events)
    {
        ref ClientSlot client = ref _clients[index];
        switch (client.Phase)
        {
            case ClientPhase.Connecting:
                if ((events & (Libc.EpollOut | Libc.EpollErr | Libc.EpollHup)) == 0)
                {
                    return;
                }

                if (!CompleteConnect(index))
                {
                    return;
                }

                if ((events & Libc.EpollIn) != 0)
                {
                    Receive(index);
                }

                return;

            case ClientPhase.AwaitGreeting:
            case ClientPhase.AwaitAck:
            case ClientPhase.Subscribed:
                Receive(index);
                return;

            default:
                return;
        }
    }

    private bool CompleteConnect(int index)
    {
        ref ClientSlot client = ref _clients[index];
        int error = 0;
        uint length = sizeof(int);
        if (Libc.GetSockOpt(client.Fd, Libc.SolSocket, Libc.SoError, &error, &length) < 0)
        {
            error = Libc.Errno;
        }

        if (error != 0)
        {
            LogError($"connect failed: errno {error}");
            RetryOrFail(index);
            return false;
        }

        // Stop asking for writability (level-triggered, it would fire on every wait from now on).
        EpollEvents.Control(_epfd, Libc.EpollCtlMod, client.Fd, Libc.EpollIn | Libc.EpollRdHup, (ulong)index);
        Volatile.Write(ref _connected, _connected + 1);
        client.Phase = _protocol.WaitsForGreeting ? ClientPhase.AwaitGreeting : ClientPhase.AwaitAck;
        if (!Send(client.Fd, _hello[client.Topic]))
        {
            RetryOrFail(index);
            return false;
        }

        return true;
    }

    private void Receive(int index)
    {
        ref ClientSlot client = ref _clients[index];
        int pending = client.PendingLength;
        if (pending > 0)
        {
            client.Pending.AsSpan(0, pending).CopyTo(new Span<byte>(_buffer, pending));
        }

        nint received = Libc.Recv(client.Fd, _buffer + pending, ReceiveSize, 0);
        if (received <= 0)
        {
            if (received < 0 && Libc.Errno is Libc.EAgain or Libc.EIntr)
            {
                return;
            }

            ConnectionLost(index);
            return;
        }

        long nowUs = WallClock.NowMicroseconds();
        if (pending > 0)
        {
            ArrayPool<byte>.Shared.Return(client.Pending!);
            client.Pending = null;
            client.PendingLength = 0;
        }

        int length = pending + (int)received;
        int offset = 0;
        while (offset < length)
        {
            var data = new ReadOnlySpan<byte>(_buffer + offset, length - offset);
            ServerMessageKind kind = _protocol.Read(data, out int consumed, out int payloadStart, out int payloadLength);
            if (kind == ServerMessageKind.Incomplete)
            {
                break;
            }

            if (kind == ServerMessageKind.Malformed)
            {
                _errors++;
                LogError("malformed data from the server");
                Drop(index);
                return;
            }

            offset += consumed;
            if (!Handle(index, kind, data.Slice(payloadStart, payloadLength), nowUs))
            {
                return;
            }
        }

        int rest = length - offset;
        if (rest > 0)
        {
            if (rest > MaxPending)
            {
                _errors++;
                LogError($"a message longer than {MaxPending} bytes");
                Drop(index);
                return;
            }

            byte[] keep = ArrayPool<byte>.Shared.Rent(Math.Max(rest, 256));
            new ReadOnlySpan<byte>(_buffer + offset, rest).CopyTo(keep);
            client.Pending = keep;
            client.PendingLength = rest;
        }
    }

    /// <summary>Acts on one message; false when the client was dropped.</summary>
    private bool Handle(int index, ServerMessageKind kind, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref ClientSlot client = ref _clients[index];
        switch (kind)
        {
            case ServerMessageKind.Json when client.Phase == ClientPhase.Subscribed:
            case ServerMessageKind.Delivery when client.Phase == ClientPhase.Subscribed:
                OnDelivery(ref client, payload, nowUs);
                return true;

            case ServerMessageKind.Json when client.Phase == ClientPhase.AwaitGreeting:
                // The greeting (timestamp and token): subscribe, as the original did on its token.
                if (!Send(client.Fd, _subscribe[client.Topic]))
                {
                    RetryOrFail(index);
                    return false;
                }

                client.Phase = ClientPhase.AwaitAck;
                return true;

            case ServerMessageKind.Subscribed when client.Phase == ClientPhase.AwaitAck:
                client.Phase = ClientPhase.Subscribed;
                _inFlight--;
                Volatile.Write(ref _subscribed, _subscribed + 1);
                return true;

            case ServerMessageKind.Ping:
                return Send(client.Fd, _protocol.Pong) || Drop(index);

            case ServerMessageKind.Error:
                _errors++;
                LogError($"the server refused: {System.Text.Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, 200)])}");
                if (client.Phase == ClientPhase.Subscribed)
                {
                    Drop(index);
                }
                else
                {
                    RetryOrFail(index);
                }

                return false;

            default:
                return true;
        }
    }

    private void OnDelivery(ref ClientSlot client, ReadOnlySpan<byte> payload, long nowUs)
    {
        if (!ServerMessages.TryReadLeadingTimestamp(payload, out ErlangTimestamp timestamp))
        {
            _errors++;
            return;
        }

        long stampUs = timestamp.ToUnixMicroseconds();
        if (stampUs < _notBeforeUs)
        {
            // Published before this round was armed: a straggler from an earlier round.
            _late++;
            return;
        }

        if (client.Received >= _expectedPerClient)
        {
            _duplicates++;
            return;
        }

        if (!_armed)
        {
            _late++;
            return;
        }

        client.Received++;
        _deliveries++;
        _recorder.Record(nowUs - stampUs);
        if (_firstDeliveryUs == 0)
        {
            _firstDeliveryUs = nowUs;
        }

        _lastDeliveryUs = nowUs;
        if (--_remaining == 0)
        {
            FinishRound(nowUs);
        }
    }

    private void Arm(int round, int expectedPerClient, long notBeforeUs, long deadlineUs, TaskCompletionSource<(RoundTally, LatencyRecorder)> done)
    {
        _round = round;
        _expectedPerClient = expectedPerClient;
        _notBeforeUs = notBeforeUs;
        _deadlineUs = deadlineUs;
        _armedSubscribed = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            _clients[i].Received = 0;
            if (_clients[i].Phase == ClientPhase.Subscribed)
            {
                _armedSubscribed++;
            }
        }

        _remaining = _armedSubscribed * expectedPerClient;
        _recorder = new LatencyRecorder();
        _deliveries = 0;
        _disconnected = 0;
        _firstDeliveryUs = 0;
        _lastDeliveryUs = 0;
        _roundDone = done;
        _armed = true;
        if (_remaining == 0)
        {
            FinishRound(WallClock.NowMicroseconds());
        }
    }

    private void FinishRound(long nowUs)
    {
        _armed = false;
        long good = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            if (_clients[i].Received >= _expectedPerClient && _clients[i].Phase is ClientPhase.Subscribed or ClientPhase.Closed)
            {
                good++;
            }
        }

        var tally = new RoundTally
        {
            Round = _round,
            Subscribed = _armedSubscribed,
            ExpectedPerClient = _expectedPerClient,
            Good = good,
            Deliveries = _deliveries,
            Late = _late,
            Duplicates = _duplicates,
            Disconnected = _disconnected,
            Errors = _errors,
            FirstDeliveryUs = _firstDeliveryUs,
            LastDeliveryUs = _lastDeliveryUs,
            DoneUs = nowUs,
        };
        _late = 0;
        _duplicates = 0;
        _errors = 0;
        _roundDone?.TrySetResult((tally, _recorder));
        _roundDone = null;
    }

    private void PumpConnects()
    {
        while (_inFlight < _maxInFlight && _connectQueue.Count > 0)
        {
            BeginConnect(_connectQueue.Dequeue());
        }
    }

    private void BeginConnect(int index)
    {
        ref ClientSlot client = ref _clients[index];
        client.Attempts++;
        int fd = Libc.Socket(Libc.AfInet, Libc.SockStream | Libc.SockNonBlock | Libc.SockCloExec, 0);
        if (fd < 0)
        {
            // Out of file descriptors: retrying will not help.
            LogError($"socket() failed: errno {Libc.Errno}");
            client.Phase = ClientPhase.Failed;
            Volatile.Write(ref _failed, _failed + 1);
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
                client.Phase = ClientPhase.Failed;
                Volatile.Write(ref _failed, _failed + 1);
                return;
            }
        }

        client.Fd = fd;
        client.Phase = ClientPhase.Connecting;
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
                ref ClientSlot client = ref _clients[i];
                if (client.Phase is ClientPhase.Waiting or ClientPhase.Connecting or ClientPhase.AwaitGreeting or ClientPhase.AwaitAck)
                {
                    CloseSocket(ref client, abortive: true);
                    client.Phase = ClientPhase.Failed;
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

    /// <summary>A connection ended during setup: try again (a few times) while setup runs, else give the client up.</summary>
    private void RetryOrFail(int index)
    {
        ref ClientSlot client = ref _clients[index];
        if (client.Phase is ClientPhase.AwaitGreeting or ClientPhase.AwaitAck)
        {
            Volatile.Write(ref _connected, _connected - 1);
        }

        CloseSocket(ref client, abortive: true);
        _inFlight--;
        if (_setupRunning && client.Attempts < MaxAttempts)
        {
            client.Phase = ClientPhase.Waiting;
            _connectQueue.Enqueue(index);
        }
        else
        {
            client.Phase = ClientPhase.Failed;
            Volatile.Write(ref _failed, _failed + 1);
        }
    }

    private void ConnectionLost(int index)
    {
        ref ClientSlot client = ref _clients[index];
        if (client.Phase != ClientPhase.Subscribed)
        {
            RetryOrFail(index);
            return;
        }

        Drop(index);
    }

    /// <summary>Ends a subscribed client's connection; always false so callers can <c>return Drop(i)</c>.</summary>
    private bool Drop(int index)
    {
        ref ClientSlot client = ref _clients[index];
        if (client.Phase != ClientPhase.Subscribed)
        {
            RetryOrFail(index);
            return false;
        }

        CloseSocket(ref client, abortive: true);
        client.Phase = ClientPhase.Closed;
        _disconnected++;
        if (_armed)
        {
            _remaining -= Math.Max(0, _expectedPerClient - client.Received);
            if (_remaining <= 0)
            {
                FinishRound(WallClock.NowMicroseconds());
            }
        }

        return false;
    }

    private static bool Send(int fd, byte[] bytes)
    {
        fixed (byte* p = bytes)
        {
            return Libc.Send(fd, p, (nuint)bytes.Length, Libc.MsgNoSignal | Libc.MsgDontWait) == bytes.Length;
        }
    }

    private static void CloseSocket(ref ClientSlot client, bool abortive)
    {
        if (client.Fd < 0)
        {
            return;
        }

        if (abortive)
        {
            // SO_LINGER 0: close sends RST, so neither side keeps the 4-tuple in TIME_WAIT and back-to-back runs from
            // the same source address do not run out of ports.
            long linger = 1; // struct linger { int l_onoff = 1; int l_linger = 0; }
            Libc.SetSockOpt(client.Fd, Libc.SolSocket, Libc.SoLinger, &linger, sizeof(long));
        }

        Libc.Close(client.Fd);
        client.Fd = -1;
        if (client.Pending is not null)
        {
            ArrayPool<byte>.Shared.Return(client.Pending);
            client.Pending = null;
            client.PendingLength = 0;
        }
    }

    private void CloseAll()
    {
        for (int i = 0; i < _clients.Length; i++)
        {
            CloseSocket(ref _clients[i], abortive: true);
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
