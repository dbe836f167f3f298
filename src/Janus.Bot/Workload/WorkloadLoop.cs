using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Worker;

namespace Janus.Bot.Workload;

/// <summary>
/// A steady-rate workload on a <see cref="ReceiveLoop"/> (the loop <c>test</c> and <c>storm</c> use), in any of the
/// bot's protocols: each client subscribes to its topics and counts, per topic, the numbered messages it receives
/// (<see cref="TopicWindow"/>) and their latency; with churn, clients leave at a steady rate (they still read for the
/// linger, then close) and a newcomer takes each one's place with the same topics. At the drain every window is
/// reported for the coordinator's <see cref="LossLedger"/>.
/// </summary>
/// <remarks>
/// Subscribing speaks only <see cref="ClientProtocol"/>: <c>Hello</c> for the first topic on connect, then
/// <c>Subscribe</c> for every topic on the greeting (a protocol that waits for one) or for the others at once (one that
/// does not), and one acknowledgement per topic, the k-th answering the k-th subscribe. Hot path (a delivery): no
/// allocation, one <see cref="System.Text.Json.Utf8JsonReader"/> pass for the topic and number.
/// </remarks>
internal sealed partial class WorkloadLoop : ReceiveLoop
{
    /// <summary>Random picks a churn tick tries before it gives up finding a live client.</summary>
    private const int MaxPicks = 32;

    private readonly ClientProtocol _protocol;
    private readonly WorkloadClient[] _clients;
    private readonly TopicWindow[] _windows;
    private readonly int _perClient;
    private readonly byte[][] _topicBytes;
    private readonly byte[][] _hello;
    private readonly byte[][] _subscribe;
    private readonly long _churnIntervalUs;
    private readonly long _lingerUs;
    private readonly long _quietUs;
    private readonly Random _random;
    private readonly Queue<(int Index, long CloseAtUs)> _leaving = new();
    private readonly List<long> _closedWindows = [];
    private readonly LatencyRecorder _latency = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool _churning;
    private long _nextChurnUs;
    private TaskCompletionSource<WorkloadTally>? _drainDone;
    private long _drainDeadlineUs;
    private long _lastDeliveryUs;

    private long _deliveries;
    private long _outOfOrder;
    private long _dropped;
    private long _leaves;
    private long _joins;
    private long _joinFailures;
    private long _churnSkipped;

    /// <summary>Starts the loop's thread; each client's host, source and global number (which decides its topics) are given.</summary>
    public WorkloadLoop(
        string name,
        ClientProtocol protocol,
        IReadOnlyList<(int Host, int Source, int Client)> clients,
        SocketAddressV4[] hosts,
        SocketAddressV4[] sources,
        WorkloadTopics topics,
        WorkloadSpec spec,
        double churnPerMinute,
        int seed,
        int maxInFlight,
        TextWriter log)
        : base(name, protocol, [.. clients.Select(c => (c.Host, c.Source))], hosts, sources, maxInFlight, log)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(spec);
        _protocol = protocol;
        _perClient = topics.MaxPerClient;
        _clients = new WorkloadClient[clients.Count];
        _windows = new TopicWindow[clients.Count * _perClient];
        _topicBytes = new byte[topics.Count][];
        _hello = new byte[topics.Count][];
        _subscribe = new byte[topics.Count][];
        Span<int> held = stackalloc int[_perClient];
        for (int i = 0; i < clients.Count; i++)
        {
            int count = topics.TopicsOf(clients[i].Client, held);
            _clients[i].TopicCount = count;
            for (int k = 0; k < count; k++)
            {
                int topic = held[k];
                _windows[(i * _perClient) + k].Topic = topic;
                if (_topicBytes[topic] is null)
                {
                    string topicName = topics.Names[topic];
                    _topicBytes[topic] = System.Text.Encoding.UTF8.GetBytes(topicName);
                    _hello[topic] = protocol.Hello(topicName);
                    _subscribe[topic] = protocol.Subscribe(topicName);
                }
            }
        }

        _churnIntervalUs = churnPerMinute > 0 ? (long)(60_000_000 / churnPerMinute) : 0;
        _lingerUs = spec.LingerMs * 1000L;
        _quietUs = spec.QuietMs * 1000L;
        _random = new Random(seed);
        Start();
    }

    /// <summary>Starts the churn (if this loop has any): one client leaves every interval, a newcomer takes its place.</summary>
    public void StartChurn() => Post(() =>
    {
        _churning = _churnIntervalUs > 0;

        // A random phase, so the loops of all workers do not send clients away in the same instant.
        _nextChurnUs = WallClock.NowMicroseconds() + (long)(_random.NextDouble() * _churnIntervalUs);
    });

    /// <summary>
    /// The publisher stopped: ends the churn, waits for the leavers' linger and until no delivery came for the quiet
    /// time (or the deadline), then reports every window.
    /// </summary>
    public Task<WorkloadTally> DrainAsync(long deadlineUs)
    {
        var done = new TaskCompletionSource<WorkloadTally>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            _churning = false;
            CancelConnects();
            _drainDeadlineUs = deadlineUs;
            _lastDeliveryUs = Math.Max(_lastDeliveryUs, WallClock.NowMicroseconds());
            _drainDone = done;
        });
        return done.Task;
    }

    /// <summary>Closes every connection (abortively) and ends the thread.</summary>
    public Task StopAsync()
    {
        Post(Stop);
        return _stopped.Task;
    }

    protected override long NextDeadlineUs()
    {
        long next = _churning ? _nextChurnUs : long.MaxValue;
        if (_leaving.TryPeek(out (int Index, long CloseAtUs) leaver))
        {
            next = Math.Min(next, leaver.CloseAtUs);
        }

        if (_drainDone is not null)
        {
            next = Math.Min(next, Math.Min(_drainDeadlineUs, _lastDeliveryUs + _quietUs));
        }

        return next;
    }

    protected override void OnTick(long nowUs)
    {
        while (_churning && nowUs >= _nextChurnUs)
        {
            SendOneAway(nowUs);
            _nextChurnUs += _churnIntervalUs;
        }

        while (_leaving.TryPeek(out (int Index, long CloseAtUs) leaver) && leaver.CloseAtUs <= nowUs)
        {
            _leaving.Dequeue();
            Depart(leaver.Index);
        }

        if (_drainDone is not null && (nowUs >= _drainDeadlineUs || (_leaving.Count == 0 && nowUs - _lastDeliveryUs >= _quietUs)))
        {
            FinishDrain();
        }
    }

    protected override void OnFailed(Exception error) => _drainDone?.TrySetException(error);

    protected override void OnStopped() => _stopped.TrySetResult();

    protected override void OnGaveUp(int index)
    {
        if (Connections[index].Joined)
        {
            _joinFailures++;
        }

        _clients[index].Phase = WorkloadPhase.Failed;
    }

    /// <summary>Appends the client's acknowledged windows to the report, closed at <paramref name="leaveUs"/> (0: connected at the end).</summary>
    private void CloseWindows(int index, long leaveUs)
    {
        for (int k = 0; k < _clients[index].TopicCount; k++)
        {
            ref TopicWindow window = ref _windows[(index * _perClient) + k];
            if (window.AckUs == 0)
            {
                continue;
            }

            _closedWindows.AddRange([window.Topic, window.AckUs, leaveUs, window.First, window.Last, window.Count]);
            window.AckUs = 0;
            window.First = 0;
            window.Last = 0;
            window.Count = 0;
        }
    }

    private void FinishDrain()
    {
        long connected = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            ref WorkloadClient client = ref _clients[i];
            if (client.Phase == WorkloadPhase.Live)
            {
                connected++;
                CloseWindows(i, 0);
            }
            else if (client.Phase == WorkloadPhase.Leaving)
            {
                CloseWindows(i, client.LeaveUs);
            }
            else
            {
                continue;
            }

            client.Phase = WorkloadPhase.Gone;
        }

        var tally = new WorkloadTally
        {
            Deliveries = _deliveries,
            OutOfOrder = _outOfOrder,
            Errors = Errors,
            Dropped = _dropped,
            Leaves = _leaves,
            Joins = _joins,
            JoinFailures = _joinFailures,
            ChurnSkipped = _churnSkipped,
            Connected = connected,
            Latency = _latency.ToStats(),
            Windows = [.. _closedWindows],
        };
        TaskCompletionSource<WorkloadTally>? done = _drainDone;
        _drainDone = null;
        done?.TrySetResult(tally);
    }
}
