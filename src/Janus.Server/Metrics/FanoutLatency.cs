namespace Janus.Server.Metrics;

/// <summary>
/// Recent fan-out latencies for the stats API and the dashboard, fed by <see cref="JanusMetrics.Published"/>
/// (publish to last enqueue) and <see cref="JanusMetrics.LastWritten"/> (publish to last write): once per publish,
/// never per subscriber.
/// </summary>
public sealed class FanoutLatency : IDisposable
{
    /// <summary>Histogram bucket upper bounds in milliseconds: the same as the <c>janus.fanout.*.duration</c> histograms.</summary>
    public static readonly IReadOnlyList<double> BucketBounds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

    private readonly JanusMetrics _metrics;

    /// <summary>Starts listening to <paramref name="metrics"/>.</summary>
    public FanoutLatency(JanusMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        metrics.Published += OnPublished;
        metrics.LastWritten += Write.Record;
    }

    /// <summary>Publish to queued for the last subscriber.</summary>
    public LatencyRecorder Enqueue { get; } = new();

    /// <summary>Publish to written for the last subscriber.</summary>
    public LatencyRecorder Write { get; } = new();

    private void OnPublished(Fanout.FanoutCounts counts, double milliseconds) => Enqueue.Record(milliseconds);

    /// <inheritdoc />
    public void Dispose()
    {
        _metrics.Published -= OnPublished;
        _metrics.LastWritten -= Write.Record;
    }
}
