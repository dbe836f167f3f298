using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Storm;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Bot.Worker;

/// <summary>
/// The original bot's test on a <see cref="ReceiveLoop"/>: each client greets (<c>PING</c>), subscribes on the
/// greeting and waits for the ACK; then, round after round, every delivery's leading timestamp is read and its latency
/// recorded until each subscribed client has its messages or the round's window closes.
/// </summary>
internal sealed class TestLoop : ReceiveLoop
{
    private readonly ClientProtocol _protocol;
    private readonly ClientSlot[] _clients;
    private readonly byte[][] _hello;
    private readonly byte[][] _subscribe;
    private readonly TaskCompletionSource<(long Late, long Duplicates)> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The current round.
    private bool _armed;
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

    // The plain reconnect storm, while it runs: who went, who is back, and when.
    private StormEpisode? _reconnect;
    private long _reconnectCutUs;

    // Since the last report (a round's tally or the stop).
    private long _late;
    private long _duplicates;

    /// <summary>Starts the loop's thread; <paramref name="clients"/> gives each client's host, source and topic index.</summary>
    public TestLoop(
        string name,
        ClientProtocol protocol,
        IReadOnlyList<(int Host, int Source, int Topic)> clients,
        SocketAddressV4[] hosts,
        SocketAddressV4[] sources,
        string[] topics,
        int maxInFlight,
        TextWriter log)
        : base(name, protocol, [.. clients.Select(c => (c.Host, c.Source))], hosts, sources, maxInFlight, log)
    {
        ArgumentNullException.ThrowIfNull(topics);
        _protocol = protocol;
        _clients = new ClientSlot[clients.Count];
        for (int i = 0; i < clients.Count; i++)
        {
            _clients[i].Topic = clients[i].Topic;
        }

        _hello = new byte[topics.Length][];
        _subscribe = new byte[topics.Length][];
        for (int t = 0; t < topics.Length; t++)
        {
            _hello[t] = protocol.Hello(topics[t]);
            _subscribe[t] = protocol.Subscribe(topics[t]);
        }

        Start();
    }

    /// <summary>Starts counting a round; completes when every subscribed client got its messages or the window closed.</summary>
    /// <remarks>The latencies come back raw: encoding the histogram is left to the caller, outside the round's CPU.</remarks>
    public Task<(RoundTally Tally, LatencyRecorder Latency)> ArmAsync(int round, int expectedPerClient, long notBeforeUs, long deadlineUs)
    {
        var done = new TaskCompletionSource<(RoundTally, LatencyRecorder)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() => Arm(round, expectedPerClient, notBeforeUs, deadlineUs, done));
        return done.Task;
    }

    /// <summary>
    /// The plain reconnect storm: every subscribed client's connection reset at once, and each connects, greets and
    /// subscribes again as at setup (no resume). The tally counts the clients cut, back (<c>Resumed</c>: subscribed
    /// again) and failed, from the cut to the last one back, and each client's own time from its cut to its ACK.
    /// </summary>
    public async Task<StormEpisodeTally> ReconnectAsync(TimeSpan timeout)
    {
        var episode = new StormEpisode(1);

        // Commands run in order on the loop: the episode is in place before the cut, and read after the last one is back.
        Post(() => _reconnect = episode);
        await ReconnectAllAsync(timeout);
        var snapshot = new TaskCompletionSource<StormEpisodeTally>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            _reconnect = null;
            snapshot.TrySetResult(episode.Snapshot());
        });
        return await snapshot.Task;
    }

    /// <summary>Closes every connection (abortively: no TIME_WAIT left behind) and ends the thread.</summary>
    public Task<(long Late, long Duplicates)> StopAsync()
    {
        Post(Stop);
        return _stopped.Task;
    }

    protected override long NextDeadlineUs() => _armed ? _deadlineUs : long.MaxValue;

    protected override void OnTick(long nowUs)
    {
        if (_armed && nowUs >= _deadlineUs)
        {
            FinishRound(nowUs);
        }
    }

    protected override void OnFailed(Exception error) => _roundDone?.TrySetException(error);

    protected override void OnStopped() => _stopped.TrySetResult((_late, _duplicates));

    protected override void OnConnected(int index)
    {
        ref ClientSlot client = ref _clients[index];
        client.Phase = _protocol.WaitsForGreeting ? ClientPhase.AwaitGreeting : ClientPhase.AwaitAck;
        byte[] hello = _hello[client.Topic];
        if (hello.Length > 0 && !Send(index, hello))
        {
            RetryOrFail(index);
        }
    }

    protected override void OnGaveUp(int index)
    {
        _clients[index].Phase = ClientPhase.Failed;
        if (_reconnect is not null)
        {
            _reconnect.Tally.Failed++;
        }
    }

    protected override void OnReconnecting(int index, long nowUs)
    {
        ref ClientSlot client = ref _clients[index];
        client.Phase = ClientPhase.Waiting;
        client.Received = 0;
        if (_reconnect is { } episode)
        {
            episode.Tally.Cut++;
            if (episode.Tally.FirstCutUs == 0)
            {
                episode.Tally.FirstCutUs = nowUs;
                _reconnectCutUs = nowUs;
            }
        }
    }

    protected override bool OnMessage(int index, ServerFrameKind kind, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref ClientSlot client = ref _clients[index];
        switch (kind)
        {
            case ServerFrameKind.Error:
                CountRefusal(payload);
                OnConnectionLost(index);
                return false;

            case ServerFrameKind.Ack when client.Phase == ClientPhase.AwaitAck:
                client.Phase = ClientPhase.Subscribed;
                Join(index);
                if (_reconnect is { } episode)
                {
                    Rejoined(episode, nowUs);
                }

                return true;

            // As the original: after the subscribe every object is a delivery (its timestamp is checked), before it
            // the first object is the greeting, whatever its keys.
            case ServerFrameKind.Delivery or ServerFrameKind.Greeting or ServerFrameKind.OtherJson or ServerFrameKind.Hello
                or ServerFrameKind.Subscribed or ServerFrameKind.Resumed when client.Phase == ClientPhase.Subscribed:
                OnDelivery(ref client, payload, nowUs);
                return true;

            case ServerFrameKind.Delivery or ServerFrameKind.Greeting or ServerFrameKind.OtherJson or ServerFrameKind.Hello
                or ServerFrameKind.Subscribed or ServerFrameKind.Resumed when client.Phase == ClientPhase.AwaitGreeting:
                // The greeting (timestamp and token): subscribe, as the original did on its token.
                if (!Send(index, _subscribe[client.Topic]))
                {
                    RetryOrFail(index);
                    return false;
                }

                client.Phase = ClientPhase.AwaitAck;
                return true;

            default:
                return true;
        }
    }

    /// <summary>A subscribed client's connection ended (counted as disconnected); one still in setup is retried.</summary>
    protected override void OnConnectionLost(int index)
    {
        ref ClientSlot client = ref _clients[index];
        if (client.Phase != ClientPhase.Subscribed)
        {
            RetryOrFail(index);
            return;
        }

        CloseSocket(index);
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
    }

    private void Rejoined(StormEpisode episode, long nowUs)
    {
        // Back and subscribed: for a plain client that is resumed and caught up at once (it has no history to replay).
        episode.Tally.Resumed++;
        episode.Tally.CaughtUp++;
        episode.Tally.LastResumedUs = nowUs;
        episode.Tally.LastCaughtUpUs = nowUs;
        episode.ResumeTime.Record(nowUs - _reconnectCutUs);
    }

    private void OnDelivery(ref ClientSlot client, ReadOnlySpan<byte> payload, long nowUs)
    {
        if (!ServerMessages.TryReadLeadingTimestamp(payload, out ErlangTimestamp timestamp))
        {
            Errors++;
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
            Errors = Errors,
            FirstDeliveryUs = _firstDeliveryUs,
            LastDeliveryUs = _lastDeliveryUs,
            DoneUs = nowUs,
        };
        _late = 0;
        _duplicates = 0;
        Errors = 0;
        _roundDone?.TrySetResult((tally, _recorder));
        _roundDone = null;
    }
}
