using System.Text;
using Janus.Bot.Native;
using Janus.Bot.Protocols;
using Janus.Bot.Results;
using Janus.Bot.Worker;
using Janus.Protocol.Client;

namespace Janus.Bot.Storm;

/// <summary>
/// The reconnect storm on a <see cref="ReceiveLoop"/> (the loop <c>test</c> uses): setup (connect, greeting,
/// <c>hello</c>, subscribes), then every delivery checked against the publisher's numbering and its position kept;
/// on a cut, connections closed with a reset and, after the outage, reconnected and resumed with the token and the
/// last positions.
/// </summary>
/// <remarks>
/// Hot path (a delivery): no allocation (clients and cursors are structs in arrays, the receive buffer is the loop's),
/// one <see cref="System.Text.Json.Utf8JsonReader"/> pass over the delivery (<see cref="ServerMessageFields"/>).
/// Reconnects share <c>--connect-concurrency</c> with setup: a storm of 10,000 comes back at most that many at a
/// time, as clients with backoff would.
/// </remarks>
internal sealed partial class StormLoop : ReceiveLoop
{
    private const int MaxReturnAttempts = 10;
    private const int TokenSize = 32;
    private static readonly TimeSpan ByeTimeout = TimeSpan.FromSeconds(3);

    private static readonly byte[] HelloFrame = JanusClientProtocol.Frame(SessionFrame.Hello);
    private static readonly byte[] ByeFrame = JanusClientProtocol.Frame(SessionFrame.Bye);

    private readonly StormClient[] _clients;
    private readonly TopicCursor[] _cursors;
    private readonly byte[] _tokens;
    private readonly byte[] _freshTokens;
    private readonly int _hostCount;
    private readonly string[] _topics;
    private readonly byte[][] _topicBytes;
    private readonly byte[][] _subscribeFrames;
    private readonly int _perClient;
    private readonly bool _resumeOnNextHost;
    private readonly long _outageUs;
    private readonly List<byte[]> _epochs = [];
    private readonly List<string> _epochNames = [];
    private readonly PriorityQueue<int, long> _away = new();
    private readonly Dictionary<int, StormEpisode> _episodes = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The cut being followed, if any.
    private StormEpisode? _round;

    // Over the whole run.
    private long _deliveries;
    private long _gaps;
    private long _duplicates;
    private long _outOfOrder;
    private readonly LatencyRecorder _replayed = new();
    private readonly LatencyRecorder _live = new();

    // The end: every client reaches the publisher's last numbers.
    private long[]? _final;
    private long _drainRemaining;
    private long _drainDeadlineUs;
    private TaskCompletionSource<StormTally>? _drainDone;
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
        : base(name, JanusClientProtocol.Instance, [.. clients.Select(c => (c.Host, c.Source))], hosts, sources, maxInFlight, log)
    {
        ArgumentNullException.ThrowIfNull(topics);
        _hostCount = hosts.Length;
        _topics = topics;
        _perClient = Math.Clamp(topicsPerClient, 1, topics.Length);
        _resumeOnNextHost = resumeOnNextHost && hosts.Length > 1;
        _outageUs = (long)outage.TotalMicroseconds;
        _clients = new StormClient[clients.Count];
        _cursors = new TopicCursor[clients.Count * _perClient];
        _tokens = new byte[clients.Count * TokenSize];
        _freshTokens = new byte[clients.Count * TokenSize];
        for (int i = 0; i < clients.Count; i++)
        {
            _clients[i] = new StormClient { FirstTopic = clients[i].FirstTopic };
            for (int k = 0; k < _perClient; k++)
            {
                _cursors[(i * _perClient) + k] = TopicCursor.Start();
            }
        }

        _topicBytes = [.. topics.Select(Encoding.UTF8.GetBytes)];
        _subscribeFrames = [.. topics.Select(t => JanusClientProtocol.Frame(new TopicFrame(subscribe: true, t)))];
        _episodes[0] = new StormEpisode(0);
        Start();
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

    protected override long NextDeadlineUs()
    {
        long next = long.MaxValue;
        if (_round is not null)
        {
            next = _round.DeadlineUs;
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

        return next;
    }

    protected override void OnTick(long nowUs)
    {
        ReturnFromAway(nowUs);
        if (_round is not null && nowUs >= _round.DeadlineUs)
        {
            FinishRound();
        }

        if (_drainDone is not null && nowUs >= _drainDeadlineUs)
        {
            FinishDrain();
        }

        if (_byeDeadlineUs != 0 && nowUs >= _byeDeadlineUs)
        {
            Stop();
        }
    }

    protected override void OnFailed(Exception error)
    {
        _round?.Done?.TrySetException(error);
        _drainDone?.TrySetException(error);
    }

    protected override void OnStopped() => _stopped.TrySetResult();

    private int TopicOf(int index, int k) => (_clients[index].FirstTopic + k) % _topics.Length;
}
