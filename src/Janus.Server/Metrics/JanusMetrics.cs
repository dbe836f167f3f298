using System.Diagnostics.Metrics;
using Janus.Protocol;
using Janus.Server.Fanout;

namespace Janus.Server.Metrics;

/// <summary>
/// Janus's counters. The hot path only bumps plain fields (one atomic add per publish or per write batch, never per
/// subscriber); the <see cref="Meter"/> named <c>Janus</c> reads them through observable instruments, so exporting
/// costs nothing until something listens. The API's stats read the same fields.
/// </summary>
public sealed partial class JanusMetrics : IFanoutObserver, IDisposable
{
    /// <summary>The meter name to subscribe to (OpenTelemetry, dotnet-counters).</summary>
    public const string MeterName = "Janus";

    private const int TransportCount = 5;

    private readonly TimeProvider _time;
    private readonly long[] _connectionsCurrent = new long[TransportCount];
    private readonly long[] _connectionsTotal = new long[TransportCount];
    private readonly long[] _publishes = new long[TransportCount];
    private readonly long[] _errors = new long[ProtocolErrors.Count];
    private readonly long[] _refused = new long[ProtocolErrors.Count];
    private readonly Histogram<double> _enqueueLatency;
    private readonly Histogram<double> _writeLatency;
    private long _subscribes;
    private long _unsubscribes;
    private long _deliveries;
    private long _bytesSent;
    private long _bytesReceived;
    private long _slowConsumers;
    private long _heartbeatPings;
    private long _clusterForwarded;
    private long _clusterNotForwarded;
    private long _clusterReceived;
    private long _clusterRejected;
    private long _clusterLocalEpochs;
    private long _clusterInterestOverflows;
    private long _sessionsParked;
    private long _sessionsExpired;
    private readonly long[] _resumes = new long[4];
    private long _upgradesDirect;
    private long _upgradesHttp;

    /// <summary>Creates the counters and registers the <c>Janus</c> meter.</summary>
    public JanusMetrics(TimeProvider time, IMeterFactory? meterFactory = null)
    {
        _time = time;
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Meter.CreateObservableUpDownCounter("janus.connections", ObserveCurrentConnections, "{connection}", "Open connections by transport (dashboard: the dashboard pages' own, not clients).");
        Meter.CreateObservableCounter("janus.connections.accepted", ObserveTotalConnections, "{connection}", "Connections accepted since start, by transport (dashboard: the dashboard pages' own, not clients).");
        Meter.CreateObservableCounter("janus.subscribes", () => Volatile.Read(ref _subscribes), "{subscribe}", "Subscribe requests that added a subscription.");
        Meter.CreateObservableCounter("janus.unsubscribes", () => Volatile.Read(ref _unsubscribes), "{unsubscribe}", "Subscriptions removed by request or disconnect.");
        Meter.CreateObservableCounter("janus.publishes", ObservePublishes, "{message}", "Messages published, by the transport that accepted them.");
        Meter.CreateObservableCounter("janus.deliveries", () => Volatile.Read(ref _deliveries), "{message}", "Messages queued to a subscriber (one per subscriber per publish).");
        Meter.CreateObservableCounter("janus.sent.bytes", () => Volatile.Read(ref _bytesSent), "By", "Bytes written to client connections.");
        Meter.CreateObservableCounter("janus.received.bytes", () => Volatile.Read(ref _bytesReceived), "By", "Bytes read from client connections.");
        Meter.CreateObservableCounter("janus.slow_consumers", () => Volatile.Read(ref _slowConsumers), "{connection}", "Connections closed because their outbound queue passed its bound.");
        Meter.CreateObservableCounter("janus.errors", ObserveErrors, "{error}", "Connections closed with an error frame, by error code.");
        Meter.CreateObservableCounter("janus.connections.refused", ObserveRefused, "{connection}", "Connections refused at the door by a limit, by error code (too_many_connections, too_many_connections_from_address, connection_rate_limited).");
        Meter.CreateObservableCounter("janus.heartbeat.pings", () => Volatile.Read(ref _heartbeatPings), "{ping}", "Heartbeat PINGs sent to idle clients.");
        Meter.CreateObservableCounter("janus.cluster.publishes_forwarded", () => Volatile.Read(ref _clusterForwarded), "{message}", "Publishes accepted here and handed to Redis for the other nodes.");
        Meter.CreateObservableCounter("janus.cluster.publishes_not_forwarded", () => Volatile.Read(ref _clusterNotForwarded), "{message}", "Publishes accepted here that other nodes never got because Redis was unreachable (delivered locally only).");
        Meter.CreateObservableCounter("janus.cluster.messages_received", () => Volatile.Read(ref _clusterReceived), "{message}", "Publishes from other nodes received through Redis and fanned out here.");
        Meter.CreateObservableCounter("janus.cluster.local_epochs", () => Volatile.Read(ref _clusterLocalEpochs), "{epoch}", "Times a topic with history started numbering its messages on this node, in an epoch of its own, because Redis was unreachable.");
        Meter.CreateObservableCounter("janus.cluster.interest_overflows", () => Volatile.Read(ref _clusterInterestOverflows), "{overflow}", "Times the queue of pending topic interest changes for Redis was full and a full resync was scheduled instead.");
        Meter.CreateObservableCounter("janus.cluster.messages_rejected", () => Volatile.Read(ref _clusterRejected), "{message}", "Messages on Janus's Redis channels that were not a valid cluster payload and were dropped.");
        Meter.CreateObservableUpDownCounter("janus.sessions.parked", () => Volatile.Read(ref _sessionsParked), "{session}", "Opted-in sessions whose connection dropped, waiting for a resume.");
        Meter.CreateObservableCounter("janus.sessions.expired", () => Volatile.Read(ref _sessionsExpired), "{session}", "Parked sessions freed at the end of their grace period without a resume.");
        Meter.CreateObservableCounter("janus.sessions.resumes", ObserveResumes, "{resume}", "Resume requests, by result (recovered, unrecovered, expired, overflowed).");
        Meter.CreateObservableCounter("janus.auth.refusals", ObserveAuthRefusals, "{refusal}", "Authorization refusals, by reason (unauthorized, invalid_token, token_expired, publish_scope).");
        Meter.CreateObservableCounter("janus.websocket.upgrades", ObserveUpgrades, "{connection}", "WebSocket upgrades accepted, by path: direct (answered on the connection, no HTTP request kept) or http (through Kestrel's HTTP pipeline).");
        _enqueueLatency = Meter.CreateHistogram("janus.fanout.enqueue.duration", "ms", "From the publish timestamp to the message queued for its last subscriber.", advice: LatencyAdvice);
        _writeLatency = Meter.CreateHistogram("janus.fanout.write.duration", "ms", "From the publish timestamp to the message written for its last subscriber.", advice: LatencyAdvice);
    }

    private static InstrumentAdvice<double> LatencyAdvice { get; } = new()
    {
        HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    };

    /// <summary>The <c>Janus</c> meter.</summary>
    public Meter Meter { get; }

    /// <summary>Raised after each publish with its fan-out counts and enqueue duration (for live views).</summary>
    public event Action<FanoutCounts, double>? Published;

    /// <summary>Raised when the last subscriber has written a message, with the publish-to-last-write duration.</summary>
    public event Action<double>? LastWritten;

    public long Subscribes => Volatile.Read(ref _subscribes);

    public long Unsubscribes => Volatile.Read(ref _unsubscribes);

    public long Deliveries => Volatile.Read(ref _deliveries);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long SlowConsumers => Volatile.Read(ref _slowConsumers);

    public long HeartbeatPings => Volatile.Read(ref _heartbeatPings);

    public long ClusterPublishesForwarded => Volatile.Read(ref _clusterForwarded);

    public long ClusterPublishesNotForwarded => Volatile.Read(ref _clusterNotForwarded);

    public long ClusterMessagesReceived => Volatile.Read(ref _clusterReceived);

    public long ClusterMessagesRejected => Volatile.Read(ref _clusterRejected);

    /// <summary>Topics that started a node-local epoch because Redis was unreachable.</summary>
    public long ClusterLocalEpochs => Volatile.Read(ref _clusterLocalEpochs);

    public long CurrentConnections(TransportKind transport) => Volatile.Read(ref _connectionsCurrent[(int)transport]);

    public long TotalConnections(TransportKind transport) => Volatile.Read(ref _connectionsTotal[(int)transport]);

    public long Publishes(TransportKind transport) => Volatile.Read(ref _publishes[(int)transport]);

    public long Errors(ProtocolError error) => Volatile.Read(ref _errors[(int)error]);

    /// <summary>Connections refused at the door for <paramref name="reason"/> since start.</summary>
    public long Refused(ProtocolError reason) => Volatile.Read(ref _refused[(int)reason]);

    /// <summary>Times the cluster's queue of pending interest changes overflowed into a full resync.</summary>
    public long ClusterInterestOverflows => Volatile.Read(ref _clusterInterestOverflows);

    public void ConnectionOpened(TransportKind transport)
    {
        Interlocked.Increment(ref _connectionsCurrent[(int)transport]);
        Interlocked.Increment(ref _connectionsTotal[(int)transport]);
    }

    public void ConnectionClosed(TransportKind transport) => Interlocked.Decrement(ref _connectionsCurrent[(int)transport]);

    public void Subscribed() => Interlocked.Increment(ref _subscribes);

    public void Unsubscribed(int count = 1) => Interlocked.Add(ref _unsubscribes, count);

    public void BytesWritten(int count) => Interlocked.Add(ref _bytesSent, count);

    public void BytesRead(long count) => Interlocked.Add(ref _bytesReceived, count);

    /// <summary>Counts an accepted WebSocket upgrade, served directly on the connection or through Kestrel's HTTP.</summary>
    public void WebSocketUpgraded(bool direct) => Interlocked.Increment(ref direct ? ref _upgradesDirect : ref _upgradesHttp);

    /// <summary>WebSocket upgrades accepted since start on the direct path (true) or through Kestrel's HTTP (false).</summary>
    public long WebSocketUpgrades(bool direct) => Volatile.Read(ref direct ? ref _upgradesDirect : ref _upgradesHttp);

    public void SlowConsumer() => Interlocked.Increment(ref _slowConsumers);

    public void Error(ProtocolError error) => Interlocked.Increment(ref _errors[(int)error]);

    /// <summary>Counts a connection refused at the door (also counted as an error with the same code: it gets the error frame).</summary>
    public void ConnectionRefused(ProtocolError reason)
    {
        Interlocked.Increment(ref _refused[(int)reason]);
        Interlocked.Increment(ref _errors[(int)reason]);
    }

    /// <summary>Counts an overflow of the cluster's pending interest changes.</summary>
    public void ClusterInterestOverflow() => Interlocked.Increment(ref _clusterInterestOverflows);

    /// <summary>Parked sessions now.</summary>
    public long SessionsParked => Volatile.Read(ref _sessionsParked);

    /// <summary>Resumes with the given result since start.</summary>
    public long Resumes(ResumeResult result) => Volatile.Read(ref _resumes[(int)result]);

    public void SessionParked() => Interlocked.Increment(ref _sessionsParked);

    public void SessionUnparked() => Interlocked.Decrement(ref _sessionsParked);

    public void SessionExpired() => Interlocked.Increment(ref _sessionsExpired);

    public void Resumed(ResumeResult result) => Interlocked.Increment(ref _resumes[(int)result]);

    private IEnumerable<Measurement<long>> ObserveResumes()
    {
        for (int i = 0; i < _resumes.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref _resumes[i]), new KeyValuePair<string, object?>("result", ((ResumeResult)i).ToString().ToLowerInvariant()));
        }
    }

    public void HeartbeatPing() => Interlocked.Increment(ref _heartbeatPings);

    public void ClusterPublishForwarded() => Interlocked.Increment(ref _clusterForwarded);

    public void ClusterPublishNotForwarded() => Interlocked.Increment(ref _clusterNotForwarded);

    public void ClusterMessageReceived() => Interlocked.Increment(ref _clusterReceived);

    public void ClusterMessageRejected() => Interlocked.Increment(ref _clusterRejected);

    /// <summary>Counts a topic that started a node-local epoch (Redis unreachable).</summary>
    public void ClusterLocalEpoch() => Interlocked.Increment(ref _clusterLocalEpochs);

    /// <summary>Counts one publish and its fan-out; called once per publish.</summary>
    public void PublishFannedOut(TransportKind source, in FanoutCounts counts, double enqueueMilliseconds)
    {
        Interlocked.Increment(ref _publishes[(int)source]);
        FannedOut(counts, enqueueMilliseconds);
    }

    /// <summary>
    /// Records a fan-out whose publish was counted when it was accepted (in a cluster, a publish of a topic with
    /// history is fanned out when it comes back from Redis).
    /// </summary>
    public void FannedOut(in FanoutCounts counts, double enqueueMilliseconds)
    {
        if (counts.Subscribers == 0)
        {
            return;
        }

        Interlocked.Add(ref _deliveries, counts.Delivered);
        _enqueueLatency.Record(enqueueMilliseconds);
        Published?.Invoke(counts, enqueueMilliseconds);
    }

    /// <inheritdoc />
    void IOutboundMessageObserver.OnLastWrite(OutboundMessage message)
    {
        double ms = _time.GetElapsedTime(message.FanoutStartedAt).TotalMilliseconds;
        _writeLatency.Record(ms);
        LastWritten?.Invoke(ms);
    }

    // Connections come in over TCP and WebSocket (a dashboard's is a WebSocket counted apart); publishes also over
    // HTTP and from the cluster (a dashboard's publishes count as WebSocket).
    private static readonly TransportKind[] ConnectionTransports = [TransportKind.Tcp, TransportKind.WebSocket, TransportKind.Dashboard];

    private static readonly TransportKind[] PublishTransports = [TransportKind.Tcp, TransportKind.WebSocket, TransportKind.Http, TransportKind.Cluster];

    private IEnumerable<Measurement<long>> ObserveCurrentConnections() => ByTransport(_connectionsCurrent, ConnectionTransports);

    private IEnumerable<Measurement<long>> ObserveTotalConnections() => ByTransport(_connectionsTotal, ConnectionTransports);

    private IEnumerable<Measurement<long>> ObservePublishes() => ByTransport(_publishes, PublishTransports);

    private static IEnumerable<Measurement<long>> ByTransport(long[] values, TransportKind[] transports)
    {
        foreach (TransportKind transport in transports)
        {
            yield return new Measurement<long>(Volatile.Read(ref values[(int)transport]), new KeyValuePair<string, object?>("transport", TransportName(transport)));
        }
    }

    private static readonly ProtocolError[] RefusalReasons = [ProtocolError.TooManyConnections, ProtocolError.TooManyConnectionsFromAddress, ProtocolError.ConnectionRateLimited];

    private IEnumerable<Measurement<long>> ObserveRefused()
    {
        foreach (ProtocolError reason in RefusalReasons)
        {
            yield return new Measurement<long>(Volatile.Read(ref _refused[(int)reason]), new KeyValuePair<string, object?>("code", ProtocolErrors.Code(reason)));
        }
    }

    private IEnumerable<Measurement<long>> ObserveErrors()
    {
        for (int i = 1; i < _errors.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref _errors[i]), new KeyValuePair<string, object?>("code", ProtocolErrors.Code((ProtocolError)i)));
        }
    }

    /// <summary>The lowercase name used in tags and JSON.</summary>
    private IEnumerable<Measurement<long>> ObserveUpgrades()
    {
        yield return new Measurement<long>(Volatile.Read(ref _upgradesDirect), new KeyValuePair<string, object?>("path", "direct"));
        yield return new Measurement<long>(Volatile.Read(ref _upgradesHttp), new KeyValuePair<string, object?>("path", "http"));
    }

    public static string TransportName(TransportKind transport) => transport switch
    {
        TransportKind.Tcp => "tcp",
        TransportKind.WebSocket => "websocket",
        TransportKind.Http => "http",
        TransportKind.Dashboard => "dashboard",
        _ => "cluster",
    };

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();
}
