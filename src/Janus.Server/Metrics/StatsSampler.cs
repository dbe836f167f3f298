using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Logging;
using Janus.Server.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Metrics;

/// <summary>
/// Reads the counters once a second and keeps the last ten minutes as per-second samples, so a dashboard opened late
/// still shows history, and so rates ("per second over the last few seconds") and the recent-latency window have a
/// past to compare with. One timer from the injected <see cref="TimeProvider"/>; tests advance it.
/// </summary>
public sealed class StatsSampler : IHostedService, IDisposable
{
    /// <summary>How often a sample is taken.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Samples kept: ten minutes.</summary>
    public const int HistoryLength = 600;

    // Raw snapshots kept for rate and latency windows (a little over a minute).
    private const int SnapshotLength = 64;

    private readonly JanusMetrics _metrics;
    private readonly SessionRegistry _sessions;
    private readonly TopicRegistry _topics;
    private readonly FanoutLatency _latency;
    private readonly TimeProvider _time;
    private readonly ILogger<StatsSampler> _logger;
    private readonly Lock _lock = new();
    private readonly Lock _tickLock = new();
    private readonly CounterSnapshot[] _snapshots = new CounterSnapshot[SnapshotLength];
    private readonly StatsHistorySample[] _history = new StatsHistorySample[HistoryLength];
    private int _snapshotCount;
    private int _snapshotNext;
    private int _historyCount;
    private int _historyNext;
    private ITimer? _timer;

    /// <summary>Creates the sampler; it starts with the host.</summary>
    public StatsSampler(JanusMetrics metrics, SessionRegistry sessions, TopicRegistry topics, FanoutLatency latency, TimeProvider time, ILogger<StatsSampler> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _sessions = sessions;
        _topics = topics;
        _latency = latency;
        _time = time;
        _logger = logger;

        // The registries' sizes, for Prometheus too (JanusMetrics knows no registry; the sampler reads them anyway).
        metrics.Meter.CreateObservableGauge("janus.sessions", () => _sessions.Count, "{session}", "Live sessions.");
        metrics.Meter.CreateObservableGauge("janus.topics", () => _topics.SubscribedCount, "{topic}", "Topics with at least one local subscriber.");
        Started = Capture();
        Add(Started);
    }

    /// <summary>The counters when the sampler was created (about when the server started).</summary>
    public CounterSnapshot Started { get; }

    /// <summary>The time source.</summary>
    public TimeProvider Time => _time;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _time.CreateTimer(static state => ((StatsSampler)state!).Tick(), this, Interval, Interval);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>Reads every counter now.</summary>
    public CounterSnapshot Capture()
    {
        long publishes = 0;
        for (int i = 0; i <= (int)TransportKind.Cluster; i++)
        {
            publishes += _metrics.Publishes((TransportKind)i);
        }

        long errors = 0;
        for (int i = 1; i < ProtocolErrors.Count; i++)
        {
            errors += _metrics.Errors((ProtocolError)i);
        }

        return new CounterSnapshot(
            _time.GetTimestamp(),
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            publishes,
            _metrics.Deliveries,
            _metrics.BytesSent,
            _metrics.BytesReceived,
            _metrics.SlowConsumers,
            errors,
            _metrics.CurrentConnections(TransportKind.Tcp),
            _metrics.CurrentConnections(TransportKind.WebSocket),
            _metrics.CurrentConnections(TransportKind.Dashboard),
            _sessions.Count,
            _topics.SubscribedCount,
            _latency.Enqueue.Count,
            _latency.Write.Count);
    }

    /// <summary>The newest snapshot taken at least <paramref name="age"/> before <paramref name="now"/>, or the oldest kept.</summary>
    public CounterSnapshot SnapshotBefore(in CounterSnapshot now, TimeSpan age)
    {
        long units = (long)(age.TotalSeconds * _time.TimestampFrequency);
        lock (_lock)
        {
            for (int i = 1; i <= _snapshotCount; i++)
            {
                CounterSnapshot candidate = _snapshots[(_snapshotNext - i + SnapshotLength) % SnapshotLength];
                if (now.Timestamp - candidate.Timestamp >= units)
                {
                    return candidate;
                }
            }

            return _snapshots[(_snapshotNext - _snapshotCount + SnapshotLength) % SnapshotLength];
        }
    }

    /// <summary>The samples taken after <paramref name="sinceUnixMilliseconds"/>, oldest first.</summary>
    public IReadOnlyList<StatsHistorySample> GetHistory(long sinceUnixMilliseconds = long.MinValue)
    {
        lock (_lock)
        {
            var result = new List<StatsHistorySample>(_historyCount);
            for (int i = _historyCount; i >= 1; i--)
            {
                StatsHistorySample sample = _history[(_historyNext - i + HistoryLength) % HistoryLength];
                if (sample.Time > sinceUnixMilliseconds)
                {
                    result.Add(sample);
                }
            }

            return result;
        }
    }

    /// <summary>Takes one sample (the timer calls this every <see cref="Interval"/>).</summary>
    internal void Tick()
    {
        // A slow tick must not overlap the next one.
        if (!_tickLock.TryEnter())
        {
            return;
        }

        try
        {
            CounterSnapshot now = Capture();
            CounterSnapshot previous;
            lock (_lock)
            {
                previous = _snapshots[(_snapshotNext - 1 + SnapshotLength) % SnapshotLength];
            }

            StatsHistorySample sample = Describe(previous, now);
            lock (_lock)
            {
                Add(now);
                _history[_historyNext] = sample;
                _historyNext = (_historyNext + 1) % HistoryLength;
                _historyCount = Math.Min(_historyCount + 1, HistoryLength);
            }
        }
        catch (Exception ex)
        {
            WebLog.SamplerFailed(_logger, ex);
        }
        finally
        {
            _tickLock.Exit();
        }
    }

    private void Add(in CounterSnapshot snapshot)
    {
        _snapshots[_snapshotNext] = snapshot;
        _snapshotNext = (_snapshotNext + 1) % SnapshotLength;
        _snapshotCount = Math.Min(_snapshotCount + 1, SnapshotLength);
    }

    private StatsHistorySample Describe(in CounterSnapshot previous, in CounterSnapshot now)
    {
        double seconds = Math.Max(1e-9, (now.Timestamp - previous.Timestamp) / (double)_time.TimestampFrequency);
        LatencySummary enqueue = _latency.Enqueue.Summarize(previous.EnqueueCount, now.EnqueueCount, FanoutLatency.BucketBounds);
        LatencySummary write = _latency.Write.Summarize(previous.WriteCount, now.WriteCount, FanoutLatency.BucketBounds);
        return new StatsHistorySample(
            now.UnixMilliseconds,
            now.ConnectionsTcp,
            now.ConnectionsWebSocket,
            now.ConnectionsDashboard,
            now.Sessions,
            now.Topics,
            (now.Publishes - previous.Publishes) / seconds,
            (now.Deliveries - previous.Deliveries) / seconds,
            (now.BytesSent - previous.BytesSent) / seconds,
            (now.BytesReceived - previous.BytesReceived) / seconds,
            now.SlowConsumers,
            now.Errors,
            (int)(now.EnqueueCount - previous.EnqueueCount),
            enqueue.Count > 0 ? enqueue.P50 : null,
            enqueue.Count > 0 ? enqueue.P99 : null,
            enqueue.Count > 0 ? enqueue.Max : null,
            write.Count > 0 ? write.P50 : null,
            write.Count > 0 ? write.P99 : null,
            write.Count > 0 ? write.Max : null);
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();
}
