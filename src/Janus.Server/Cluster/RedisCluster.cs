using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Logging;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StreamPosition = Janus.Protocol.StreamPosition;

namespace Janus.Server.Cluster;

/// <summary>
/// This node's link to the other Janus nodes through Redis pub/sub (StackExchange.Redis): it forwards the publishes
/// accepted here, fans out the publishes of other nodes, keeps one channel subscription per local topic, announces
/// the node to its peers, and knows whether Redis is reachable.
/// </summary>
/// <remarks>
/// <para>Message path: the node that accepts a publish delivers it to its own subscribers and sends the encoded body
/// once to the topic's channel (<c>{prefix}t:{topic}</c>) as a <see cref="ClusterMessage"/>. Every node with local
/// subscribers of that topic is subscribed to the channel and fans the body out locally with the origin's timestamp;
/// the origin recognises its own node id and process instance and drops its copy. Each channel is read by one sequential loop, so the
/// order Redis delivers in is the order subscribers see.</para>
/// <para>Redis deployments (<see cref="ClusterOptions.RedisMode"/>): one server and a Sentinel-managed primary carry
/// topics on classic channels; a Redis Cluster carries them on sharded channels, each topic on the master that owns its
/// slot (<see cref="RedisLayout"/>). Node announcements always travel on the classic channel <c>{prefix}nodes</c>.</para>
/// <para>Outages: StackExchange.Redis reconnects by itself (exponential backoff up to
/// <see cref="ClusterOptions.ReconnectMaxDelay"/>) and restores its channel subscriptions. Meanwhile publishes are
/// delivered locally and not forwarded (counted, never replayed); commands fail fast rather than queue. The state
/// change is logged once per outage, not per publish.</para>
/// </remarks>
public sealed class RedisCluster : IClusterStatus, ISharedHistory, IPublishForwarder, IHostedService, IAsyncDisposable
{
    private static readonly Action<Task<long>, object?> s_onForwarded = static (task, state) => ((RedisCluster)state!).OnForwarded(task);
    private static readonly Action<Task<RedisResult>, object?> s_onPositionedForwarded = static (task, state) => ((PositionedForward)state!).Cluster.OnPositionedForwarded(task, (PositionedForward)state!);

    // How long a read of the shared history waits for the topic's channel subscription before answering from memory.
    private static readonly TimeSpan ChannelWait = TimeSpan.FromSeconds(5);

    private readonly ClusterOptions _options;
    private readonly FanoutEngine _engine;
    private readonly JanusMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisCluster> _logger;
    private readonly byte[] _nodeIdBytes;
    private readonly ulong _instance = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly ConcurrentDictionary<ulong, bool> _twins = new();
    private readonly ClusterRedisMode _configuredMode;
    private readonly RedisChannel _nodesChannel;
    private readonly byte[] _aliveAnnouncement;
    private readonly TopicInterest _interest;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _peers = new(StringComparer.Ordinal);
    private readonly Lock _stateLock = new();
    private readonly Lock _tickLock = new();
    private ConfigurationOptions? _config;
    private volatile RedisLayout? _layout;
    private int _connecting;
    private int _reconfiguring;
    private volatile bool _failoverSeen;
    private long _notForwardedAtLastTick;
    private ConnectionMultiplexer? _redis;
    private ConnectionMultiplexer? _sentinels;
    private volatile ISubscriber? _subscriber;
    private volatile bool _connected;
    private bool _stateKnown;
    private long _outageStartedAt;
    private long _notForwardedBeforeOutage;
    private ChannelMessageQueue? _nodesQueue;
    private int _nodesSubscribing;
    private ITimer? _timer;
    private int _stopped;

    /// <summary>Creates the link; it connects when the host starts.</summary>
    public RedisCluster(IOptions<JanusOptions> options, FanoutEngine engine, JanusMetrics metrics, TimeProvider time, ILogger<RedisCluster> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(metrics);
        _options = options.Value.Cluster;
        _engine = engine;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        NodeId = NodeIds.Resolve(_options);
        _nodeIdBytes = Encoding.ASCII.GetBytes(NodeId);
        _configuredMode = _options.RedisMode;
        _nodesChannel = RedisChannel.Literal(_options.ChannelPrefix + "nodes");
        _aliveAnnouncement = NodeAnnouncement.Encode(NodeAnnouncement.Alive, _nodeIdBytes, _instance);
        _interest = new TopicInterest(this, engine.Topics, metrics, logger);
        metrics.Meter.CreateObservableGauge("janus.cluster.connected", () => _connected ? 1 : 0, "{state}", "1 while Redis is reachable (publishes reach other nodes), 0 during an outage.");
        metrics.Meter.CreateObservableGauge("janus.cluster.channels", () => _interest.ChannelCount, "{channel}", "Topic channels this node is subscribed to in Redis (one per local topic).");
        metrics.Meter.CreateObservableGauge("janus.cluster.peers", () => Peers.Count, "{node}", "Other nodes heard from within the peer timeout.");

        // Built at start-up (a hosted service), before the first publish: from here on every publish accepted by this
        // node goes through the engine's seam to Forward, on every fan-out path (the combiner included).
        engine.AttachForwarder(this);
    }

    /// <inheritdoc />
    public string NodeId { get; }

    /// <inheritdoc />
    public bool Enabled => true;

    /// <inheritdoc />
    public bool Connected => _connected;

    /// <inheritdoc />
    public long PublishesNotForwarded => _metrics.ClusterPublishesNotForwarded;

    /// <inheritdoc />
    public IReadOnlyList<ClusterPeer> Peers
    {
        get
        {
            DateTimeOffset oldest = _time.GetUtcNow() - _options.PeerTimeout;
            var peers = new List<ClusterPeer>(_peers.Count);
            foreach (KeyValuePair<string, DateTimeOffset> peer in _peers)
            {
                if (peer.Value >= oldest)
                {
                    peers.Add(new ClusterPeer(peer.Key, peer.Value));
                }
            }

            peers.Sort(static (a, b) => string.CompareOrdinal(a.NodeId, b.NodeId));
            return peers;
        }
    }

    /// <summary>Topic channels subscribed in Redis now.</summary>
    public int SubscribedChannels => _interest.ChannelCount;

    /// <summary>The topic interest tracker (for tests: its bound and pending changes).</summary>
    internal TopicInterest Interest => _interest;

    /// <summary>
    /// Raised when Redis becomes reachable (true) or unreachable (false), once per change and in order. Raised under
    /// the state lock: handlers must not block.
    /// </summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>Raised when a topic's channel has been subscribed (true) or unsubscribed (false) in Redis.</summary>
    public event Action<string, bool>? ChannelChanged
    {
        add => _interest.ChannelChanged += value;
        remove => _interest.ChannelChanged -= value;
    }

    /// <summary>Raised when the peer list changes (a node joined, left, or timed out).</summary>
    public event Action? PeersChanged;

    /// <summary>Whether the topic's channel is subscribed in Redis now.</summary>
    public bool IsChannelSubscribed(string topic) => _interest.IsSubscribed(topic);

    /// <summary>
    /// How this node uses Redis: the configured <see cref="ClusterOptions.RedisMode"/>, or for
    /// <see cref="ClusterRedisMode.Auto"/> what the first connection found (<see cref="ClusterRedisMode.Auto"/> until then).
    /// </summary>
    public ClusterRedisMode Mode { get; private set; }

    /// <summary>Whether topic channels are sharded channels (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c>): in a Redis Cluster.</summary>
    public bool ShardedChannels => _layout?.Sharded == true;

    /// <summary>
    /// The Redis channel a topic's messages travel on: <c>{prefix}t:{topic}</c>, or in a Redis Cluster the sharded
    /// channel <c>{prefix}t:{{topic}}</c>. Known once the deployment is (<see cref="Mode"/>), at the latest on the first
    /// connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">The mode is <see cref="ClusterRedisMode.Auto"/> and Redis was never reached yet.</exception>
    public RedisChannel TopicChannel(ReadOnlySpan<char> topic) =>
        (_layout ?? throw new InvalidOperationException("Redis has not been reached yet, so whether it is a Redis Cluster is not known.")).TopicChannel(topic);

    /// <summary>The topic's channel, or false while the layout is not known (Auto mode, Redis never reached yet).</summary>
    internal bool TryGetTopicChannel(string topic, out RedisChannel channel)
    {
        RedisLayout? layout = _layout;
        channel = layout?.TopicChannel(topic) ?? default;
        return layout is not null;
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ConfigurationOptions config = ConfigurationOptions.Parse(_options.Redis!);
        // Start and keep serving while Redis is down; StackExchange.Redis keeps retrying in the background.
        config.AbortOnConnectFail = false;
        // A publish made while Redis is unreachable is not queued for later: it is counted as not forwarded.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ReconnectRetryPolicy = new ExponentialRetry(250, (int)_options.ReconnectMaxDelay.TotalMilliseconds);
        config.ClientName ??= "janus-" + NodeId;
        _config = config;
        Mode = _configuredMode == ClusterRedisMode.Auto && !string.IsNullOrEmpty(config.ServiceName) ? ClusterRedisMode.Sentinel : _configuredMode;
        if (Mode != ClusterRedisMode.Auto)
        {
            SetLayout(Mode);
        }

        Log.ClusterConnecting(_logger, NodeId, string.Join(",", config.EndPoints));
        await TryConnectAsync(logFailure: true).ConfigureAwait(false);
        UpdateConnectionState();
        await EnsureNodesSubscriptionAsync().ConfigureAwait(false);
        _interest.Start();
        Announce(_aliveAnnouncement);
        _timer = _time.CreateTimer(static state => ((RedisCluster)state!).Tick(), this, _options.HeartbeatInterval, _options.HeartbeatInterval);
    }

    /// <summary>
    /// Connects the multiplexer. Against one server or a Redis Cluster this returns at once even while Redis is down
    /// (StackExchange.Redis keeps trying); through Sentinel, StackExchange.Redis must first ask a sentinel for the
    /// primary and throws when none answers, so the heartbeat retries until one does.
    /// </summary>
    private async Task TryConnectAsync(bool logFailure)
    {
        ConfigurationOptions config = _config!;
        if (Interlocked.Exchange(ref _connecting, 1) != 0)
        {
            return;
        }

        try
        {
            if (_redis is not null || Volatile.Read(ref _stopped) != 0)
            {
                return;
            }

            ConnectionMultiplexer redis;
            try
            {
                redis = Mode == ClusterRedisMode.Sentinel
                    ? await ConnectThroughSentinelsAsync(config).ConfigureAwait(false)
                    : await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
            }
            catch (Exception ex) when (Mode == ClusterRedisMode.Sentinel && ex is RedisException or TimeoutException or InvalidOperationException or ArgumentException)
            {
                if (logFailure)
                {
                    Log.ClusterSentinelConnectFailed(_logger, NodeId, string.Join(",", config.EndPoints), ex);
                }

                if (Volatile.Read(ref _stopped) != 0)
                {
                    // Stopped while asking: let the sentinel connection go too.
                    await CloseRedisAsync().ConfigureAwait(false);
                }

                return;
            }

            redis.ConnectionFailed += OnConnectionEvent;
            redis.ConnectionRestored += OnConnectionEvent;
            _subscriber = redis.GetSubscriber();
            _redis = redis;
            if (Volatile.Read(ref _stopped) != 0)
            {
                // Stopped while connecting: StopAsync found nothing to close.
                await CloseRedisAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref _connecting, 0);
        }
    }

    /// <summary>
    /// Connects to the sentinels (once; the connection is kept across attempts) and through them to the primary they
    /// name, a connection that follows the primary through failovers. StackExchange.Redis's one-call form
    /// (<c>ConnectAsync</c> with a <c>serviceName</c>) leaves its sentinel connection behind when no primary is found,
    /// which every retry would repeat.
    /// </summary>
    private async Task<ConnectionMultiplexer> ConnectThroughSentinelsAsync(ConfigurationOptions config)
    {
        ConnectionMultiplexer sentinels = _sentinels ??= await ConnectionMultiplexer.SentinelConnectAsync(config.Clone()).ConfigureAwait(false);

        // Synchronous in StackExchange.Redis (it asks the sentinels and waits up to connectTimeout for the primary):
        // off the caller's thread.
        return await Task.Run(() => sentinels.GetSentinelMasterConnection(config.Clone())).ConfigureAwait(false);
    }

    private void SetLayout(ClusterRedisMode mode)
    {
        _layout = mode == ClusterRedisMode.Cluster ? RedisLayout.ShardedFor(_options.ChannelPrefix) : RedisLayout.Classic(_options.ChannelPrefix);
        Log.ClusterRedisMode(_logger, NodeId, mode.ToString(), _layout.Sharded ? "sharded (SPUBLISH/SSUBSCRIBE, one master per topic)" : "classic (PUBLISH/SUBSCRIBE)");
    }

    /// <summary>
    /// In <see cref="ClusterRedisMode.Auto"/>, decides on the first connection whether Redis is a Redis Cluster. Called
    /// under the state lock before the node counts as connected, so nothing names a channel before it is known.
    /// </summary>
    private void ResolveAutoMode(ConnectionMultiplexer redis)
    {
        if (Mode != ClusterRedisMode.Auto)
        {
            return;
        }

        bool cluster = false;
        foreach (IServer server in redis.GetServers())
        {
            cluster |= server.IsConnected && server.ServerType == ServerType.Cluster;
        }

        Mode = cluster ? ClusterRedisMode.Cluster : ClusterRedisMode.Standalone;
        SetLayout(Mode);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _interest.StopAsync().ConfigureAwait(false);
        ISubscriber? subscriber = _subscriber;
        if (subscriber is not null && _connected)
        {
            try
            {
                // Peers drop this node now rather than after the peer timeout.
                await subscriber.PublishAsync(_nodesChannel, NodeAnnouncement.Encode(NodeAnnouncement.Leaving, _nodeIdBytes, _instance)).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                // Peers will time this node out instead.
            }
        }

        await CloseRedisAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _stopped, 1);
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _interest.StopAsync().ConfigureAwait(false);
        await CloseRedisAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A topic with history is numbered by Redis: its publish goes through the publish script, and every node (this one
    /// included) fans it out when it comes back on the channel, in the channel's order. False for a topic without
    /// history, or when Redis is out of reach (<see cref="Forward"/> then numbers it here). Never waits for Redis.
    /// </remarks>
    public bool TryHandOff(ReadOnlySpan<char> topic, ErlangTimestamp timestamp, ReadOnlySpan<byte> body) =>
        _engine.Topics.History.For(topic).Size > 0 && ForwardPositioned(topic, timestamp, body);

    /// <inheritdoc />
    /// <remarks>
    /// A topic without history is published on its channel and fanned out here at once (the copy that comes back is
    /// dropped); called under the topic's publish lock when the topic exists here, so publishes through this node reach
    /// Redis in the order its subscribers get them. It only hands the payload to StackExchange.Redis's pipe. A topic
    /// with history gets here only when Redis is out of reach: it is numbered by this node, in a fresh epoch of its
    /// own (clients later see the epoch change and learn they may have missed something).
    /// </remarks>
    public void Forward(ReadOnlySpan<char> topic, Topic? local, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
    {
        if (_engine.Topics.History.For(topic).Size == 0)
        {
            ForwardUnnumbered(topic, timestamp, body);
            return;
        }

        // A topic without local state starts here in a fresh epoch anyway.
        if (local is null || local.EpochFromRedis)
        {
            local?.StartLocalEpoch();
            _metrics.ClusterLocalEpoch();
        }

        _metrics.ClusterPublishNotForwarded();
    }

    /// <summary>
    /// Sends a publish of a topic without history to the other nodes, with the timestamp the local subscribers get;
    /// never throws and never waits.
    /// </summary>
    private void ForwardUnnumbered(ReadOnlySpan<char> topic, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
    {
        ISubscriber? subscriber = _subscriber;
        if (subscriber is null || !_connected)
        {
            _metrics.ClusterPublishNotForwarded();
            return;
        }

        Task<long> sent;
        try
        {
            sent = subscriber.PublishAsync(_layout!.TopicChannel(topic), ClusterMessage.Encode(_nodeIdBytes, _instance, timestamp, body));
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            _metrics.ClusterPublishNotForwarded();
            return;
        }

        if (sent.IsCompleted)
        {
            OnForwarded(sent);
        }
        else
        {
            sent.ContinueWith(s_onForwarded, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <inheritdoc />
    public bool Holds(ReadOnlySpan<char> topic) => _connected && _engine.Topics.History.For(topic).Size > 0;

    /// <inheritdoc />
    public async Task<SharedHistoryRead?> ReadAsync(string topic, StreamPosition? since)
    {
        ConnectionMultiplexer? redis = _redis;
        if (redis is null || !_connected)
        {
            return null;
        }

        try
        {
            // Subscribed first: every message published after the read then reaches this node on the channel.
            await _interest.WaitForSubscribedAsync(topic).WaitAsync(ChannelWait).ConfigureAwait(false);
            TimeSpan ttl = _engine.Topics.History.For(topic).Ttl;
            return await RedisHistory.ReadAsync(redis.GetDatabase(), _layout!.HistoryKeys(topic), ttl, since).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidCastException)
        {
            Log.ClusterHistoryReadFailed(_logger, topic, ex);
            return null;
        }
    }

    /// <summary>
    /// Sends a publish of a topic with history through Redis's publish script, which numbers it, keeps it in the
    /// topic's stream and publishes it on the topic's channel; every node (this one included) fans it out when it
    /// arrives there. False when Redis is out of reach (the caller delivers locally). Never waits for Redis; if the
    /// script fails later, the message is delivered locally then.
    /// </summary>
    private bool ForwardPositioned(ReadOnlySpan<char> topic, ErlangTimestamp timestamp, ReadOnlySpan<byte> body)
    {
        ConnectionMultiplexer? redis = _redis;
        if (redis is null || !_connected)
        {
            return false;
        }

        byte[] payload = ClusterMessage.Encode(_nodeIdBytes, _instance, timestamp, body);
        (int size, TimeSpan ttl) = _engine.Topics.History.For(topic);
        Task<RedisResult> sent;
        try
        {
            RedisLayout layout = _layout!;
            sent = RedisHistory.PublishAsync(redis.GetDatabase(), layout.HistoryKeys(topic), size, ttl, payload, layout.TopicChannel(topic));
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            return false;
        }

        var forward = new PositionedForward(this, topic.ToString(), timestamp, payload);
        if (sent.IsCompleted)
        {
            OnPositionedForwarded(sent, forward);
        }
        else
        {
            sent.ContinueWith(s_onPositionedForwarded, forward, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return true;
    }

    /// <summary>
    /// Delivers a publish of a topic with history whose script failed after it was handed off to this node's
    /// subscribers only, numbered here in an epoch of the node's own, as during an outage (<see cref="Forward"/>). Rare, so it takes the
    /// topic's publish lock itself around the engine's (reentrant) to change the epoch and number in one step.
    /// </summary>
    private FanoutCounts PublishLocally(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source, ErlangTimestamp timestamp)
    {
        if (_engine.Topics.TryGet(topic, out Topic? local))
        {
            lock (local.PublishLock)
            {
                if (local.EpochFromRedis)
                {
                    local.StartLocalEpoch();
                    _metrics.ClusterLocalEpoch();
                }

                _metrics.ClusterPublishNotForwarded();
                return _engine.Publish(topic, message, source, timestamp);
            }
        }

        // The topic starts here (it exists only if it keeps history), numbered by this node in a fresh epoch.
        _metrics.ClusterLocalEpoch();
        _metrics.ClusterPublishNotForwarded();
        return _engine.Publish(topic, message, source, timestamp);
    }

    private void OnPositionedForwarded(Task<RedisResult> sent, PositionedForward forward)
    {
        if (sent.IsCompletedSuccessfully)
        {
            _metrics.ClusterPublishForwarded();
            return;
        }

        _ = sent.Exception;
        if (!ClusterMessage.TryRead(forward.Payload, out ClusterMessage message))
        {
            return;
        }

        // The script did not run (or its answer was lost): deliver here at least, as during an outage.
        PublishLocally(forward.Topic, OutboundMessage.RentForBody(message.Body), TransportKind.Cluster, forward.Timestamp);
    }

    /// <summary>Fans out a batch of messages Redis numbered, in channel order (<see cref="TopicSubscription"/>).</summary>
    internal void DeliverPositioned(string topic, Span<PositionedPublish> batch) => _engine.PublishAt(topic, batch);

    private sealed record PositionedForward(RedisCluster Cluster, string Topic, ErlangTimestamp Timestamp, byte[] Payload);

    /// <summary>
    /// Fans out a message that arrived on a topic's channel (in channel order). A message Redis numbered joins
    /// <paramref name="subscription"/>'s batch (fanned out together with the ones after it); anything else is fanned out
    /// at once, after the batch.
    /// </summary>
    internal void Deliver(TopicSubscription subscription, RedisValue value)
    {
        string topic = subscription.Topic;
        ReadOnlyMemory<byte> payload = value;
        if (ClusterMessage.TryReadPositioned(payload.Span, out long offset, out string epoch, out ReadOnlySpan<byte> inner))
        {
            if (!ClusterMessage.TryRead(inner, out ClusterMessage positioned))
            {
                _metrics.ClusterMessageRejected();
                return;
            }

            // Numbered by Redis: every node fans it out from here, its origin included, so that every node's offsets
            // are Redis's and its order the channel's.
            // Its origin counted the publish when it accepted it.
            bool own = positioned.OriginInstance == _instance && positioned.OriginNodeId.SequenceEqual(_nodeIdBytes);
            if (!own)
            {
                _metrics.ClusterMessageReceived();
            }

            subscription.Add(new PositionedPublish(OutboundMessage.RentForBody(positioned.Body), own ? null : TransportKind.Cluster, positioned.Timestamp, offset, epoch));
            return;
        }

        subscription.Flush();

        if (!ClusterMessage.TryRead(payload.Span, out ClusterMessage message))
        {
            _metrics.ClusterMessageRejected();
            return;
        }

        if (message.OriginInstance == _instance && message.OriginNodeId.SequenceEqual(_nodeIdBytes))
        {
            // Our own publish coming back: its local subscribers already have it.
            return;
        }

        _metrics.ClusterMessageReceived();
        _engine.Publish(topic, OutboundMessage.RentForBody(message.Body), TransportKind.Cluster, message.Timestamp);
    }

    /// <summary>
    /// Subscribes a channel as an ordered queue; null if Redis refused or is unreachable (the caller retries later).
    /// </summary>
    internal async Task<ChannelMessageQueue?> TrySubscribeAsync(RedisChannel channel, string what, ILogger logger)
    {
        ISubscriber? subscriber = _subscriber;
        if (subscriber is null)
        {
            return null;
        }

        try
        {
            return await subscriber.SubscribeAsync(channel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            Log.ClusterSubscribeFailed(logger, what, ex);
            try
            {
                // StackExchange.Redis registered the queue before it failed to reach Redis and would restore it on
                // reconnect, feeding a queue nobody reads. Forget it; the retry makes a fresh one.
                await subscriber.UnsubscribeAsync(channel).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is RedisException or ObjectDisposedException)
            {
                // Forgotten locally all the same; Redis has nothing to forget while it is unreachable.
            }

            return null;
        }
    }

    private void OnForwarded(Task<long> sent)
    {
        if (sent.IsCompletedSuccessfully)
        {
            _metrics.ClusterPublishForwarded();
        }
        else
        {
            // Observe the exception: the failure is the count, not a crash.
            _ = sent.Exception;
            _metrics.ClusterPublishNotForwarded();
        }
    }

    private async Task EnsureNodesSubscriptionAsync()
    {
        // One attempt at a time: two concurrent subscribes would leave a second queue registered that nobody reads.
        if (Volatile.Read(ref _nodesQueue) is not null || Interlocked.Exchange(ref _nodesSubscribing, 1) != 0)
        {
            return;
        }

        try
        {
            ChannelMessageQueue? queue = await TrySubscribeAsync(_nodesChannel, "(node announcements)", _logger).ConfigureAwait(false);
            if (queue is not null)
            {
                Volatile.Write(ref _nodesQueue, queue);
                queue.OnMessage(OnAnnouncement);
            }
        }
        finally
        {
            Volatile.Write(ref _nodesSubscribing, 0);
        }
    }

    private void OnAnnouncement(ChannelMessage message)
    {
        ReadOnlyMemory<byte> payload = message.Message;
        if (!NodeAnnouncement.TryRead(payload.Span, out byte kind, out string peer, out ulong instance))
        {
            return;
        }

        if (peer == NodeId)
        {
            // Our own announcement, or another process configured with our id: delivery still works (messages carry
            // the process instance), but the peer list and the logs cannot tell the two apart. Say so, once.
            if (instance != _instance && kind == NodeAnnouncement.Alive && _twins.TryAdd(instance, true))
            {
                Log.ClusterDuplicateNodeId(_logger, NodeId);
            }

            return;
        }

        if (kind == NodeAnnouncement.Leaving)
        {
            if (_peers.TryRemove(peer, out _))
            {
                Log.ClusterPeerLeft(_logger, peer, "stopped");
                PeersChanged?.Invoke();
            }

            return;
        }

        bool fresh = !_peers.TryGetValue(peer, out DateTimeOffset seen) || seen < _time.GetUtcNow() - _options.PeerTimeout;
        _peers[peer] = _time.GetUtcNow();
        if (fresh)
        {
            Log.ClusterPeerJoined(_logger, peer);
            // Answer at once so the newcomer does not wait a heartbeat interval to learn of this node.
            Announce(_aliveAnnouncement);
            PeersChanged?.Invoke();
        }
    }

    private void Announce(byte[] announcement)
    {
        ISubscriber? subscriber = _subscriber;
        if (subscriber is null || !_connected)
        {
            return;
        }

        try
        {
            subscriber.Publish(_nodesChannel, announcement, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // The next heartbeat tries again.
        }
    }

    private void OnConnectionEvent(object? sender, EventArgs args) => UpdateConnectionState();

    /// <summary>Re-reads whether Redis is reachable and acts on a change: log once, resync interest, tell listeners.</summary>
    private void UpdateConnectionState()
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        bool connected;
        lock (_stateLock)
        {
            // Read inside the lock: a reading taken before a failure must not overwrite one taken after it.
            // Both the command connection (to forward) and the subscription connection (to receive) must be up.
            ConnectionMultiplexer? redis = _redis;
            ISubscriber? subscriber = _subscriber;
            // In a Redis Cluster the subscriber's "connected" is that of one master (the owner of the default channel's
            // slot): while one master fails over the others carry their topics, so the node counts as connected while
            // any cluster node is reachable, and publishes to the failing master's topics are counted one by one.
            connected = redis is not null && subscriber is not null && redis.IsConnected
                && (Mode == ClusterRedisMode.Cluster || subscriber.IsConnected());
            if (connected)
            {
                ResolveAutoMode(redis!);
            }

            if (_stateKnown && connected == _connected)
            {
                return;
            }

            bool wasKnown = _stateKnown;
            _stateKnown = true;
            _connected = connected;
            if (!connected)
            {
                _outageStartedAt = _time.GetTimestamp();
                _notForwardedBeforeOutage = _metrics.ClusterPublishesNotForwarded;
                Log.ClusterUnreachable(_logger);
            }
            else if (wasKnown)
            {
                Log.ClusterRestored(_logger, _time.GetElapsedTime(_outageStartedAt), _metrics.ClusterPublishesNotForwarded - _notForwardedBeforeOutage);
            }
            else
            {
                Log.ClusterConnected(_logger, NodeId);
            }

            // Under the lock so that listeners see the changes in the order they happened.
            ConnectionChanged?.Invoke(connected);
        }

        if (connected)
        {
            _interest.RequestResync();
            Announce(_aliveAnnouncement);
        }
    }

    /// <summary>Once per heartbeat interval: re-check the connection, announce, retry, forget silent peers.</summary>
    private void Tick()
    {
        if (!_tickLock.TryEnter())
        {
            return;
        }

        try
        {
            if (_redis is null)
            {
                // Through Sentinel with no sentinel answering so far: ask again (off the timer thread, it can block).
                _ = Task.Run(() => TryConnectAsync(logFailure: false));
            }

            UpdateConnectionState();
            RefreshTopologyIfFailing();
            if (_connected)
            {
                Announce(_aliveAnnouncement);
                if (Volatile.Read(ref _nodesQueue) is null)
                {
                    _ = EnsureNodesSubscriptionAsync();
                }

                if (_interest.PendingRetries > 0)
                {
                    _interest.RequestResync();
                }
            }

            ForgetSilentPeers();
        }
        catch (Exception ex)
        {
            Log.ClusterHeartbeatFailed(_logger, ex);
        }
        finally
        {
            _tickLock.Exit();
        }
    }

    /// <summary>
    /// In a Redis Cluster or behind Sentinel a failover makes another server the primary, and StackExchange.Redis moves
    /// commands and subscriptions there only on its next reconfiguration: at once when it is told (a <c>MOVED</c> reply,
    /// Sentinel's <c>+switch-master</c> naming a server it did not know), otherwise on a reconnect attempt or its
    /// periodic check (<c>configCheckSeconds</c>, 60 s by default). A command to a dead server gets no <c>MOVED</c>, and
    /// a promoted replica that was already known is not news to it. So while this node sees a failover's signs (Redis
    /// unreachable, publishes not forwarded since the last heartbeat, or in a Redis Cluster a master serving slots
    /// unreachable), it asks for a reconfiguration every heartbeat, one at a time. In a Redis Cluster it first reads
    /// the slot map (<c>CLUSTER NODES</c>, one command, which StackExchange.Redis applies to its routing at once) and
    /// reconfigures only once no slot is left on an unreachable master: a reconfiguration waits up to
    /// <c>connectTimeout</c> for the dead server, and one started before the replica's promotion would hold up the one
    /// after it. One server (Standalone) has no failover to find and keeps StackExchange.Redis's own reconnecting.
    /// </summary>
    private void RefreshTopologyIfFailing()
    {
        ConnectionMultiplexer? redis = _redis;
        long notForwarded = _metrics.ClusterPublishesNotForwarded;
        bool forwardsFailed = notForwarded != _notForwardedAtLastTick;
        _notForwardedAtLastTick = notForwarded;
        if (redis is null || Mode is not (ClusterRedisMode.Cluster or ClusterRedisMode.Sentinel))
        {
            return;
        }

        if (!_connected || forwardsFailed || (Mode == ClusterRedisMode.Cluster && SlotOwnerUnreachable(redis)))
        {
            // Kept until a reconfiguration has run after the signs: once the slot map is fresh, publishes flow again
            // and the signs go, but subscriptions move only with the reconfiguration.
            _failoverSeen = true;
        }

        if (!_failoverSeen || Interlocked.Exchange(ref _reconfiguring, 1) != 0)
        {
            return;
        }

        _ = ReconfigureAsync(redis);
    }

    private async Task ReconfigureAsync(ConnectionMultiplexer redis)
    {
        try
        {
            if (Mode == ClusterRedisMode.Cluster && ReachableMaster(redis) is { } master)
            {
                ClusterConfiguration? slots = await master.ClusterNodesAsync().ConfigureAwait(false);
                if (slots is null || OwnerUnreachable(redis, slots))
                {
                    // Not failed over yet: ask again next heartbeat.
                    return;
                }
            }

            if (await redis.ReconfigureAsync("Janus: a primary is unreachable").ConfigureAwait(false))
            {
                _failoverSeen = false;
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The next heartbeat asks again.
        }
        finally
        {
            Volatile.Write(ref _reconfiguring, 0);
        }
    }

    /// <summary>Whether the cluster's slot map, as a reachable node last told it, names an unreachable master.</summary>
    private static bool SlotOwnerUnreachable(ConnectionMultiplexer redis)
    {
        foreach (IServer server in redis.GetServers())
        {
            if (server.IsConnected && server.ClusterConfiguration is { } configuration)
            {
                return OwnerUnreachable(redis, configuration);
            }
        }

        return false;
    }

    private static bool OwnerUnreachable(ConnectionMultiplexer redis, ClusterConfiguration configuration)
    {
        foreach (StackExchange.Redis.ClusterNode node in configuration.Nodes)
        {
            if (!node.IsReplica && node.Slots.Count > 0 && node.EndPoint is { } endPoint && !redis.GetServer(endPoint).IsConnected)
            {
                return true;
            }
        }

        return false;
    }

    private static IServer? ReachableMaster(ConnectionMultiplexer redis)
    {
        foreach (IServer server in redis.GetServers())
        {
            if (server.IsConnected && !server.IsReplica)
            {
                return server;
            }
        }

        return null;
    }

    private void ForgetSilentPeers()
    {
        DateTimeOffset oldest = _time.GetUtcNow() - _options.PeerTimeout;
        bool changed = false;
        foreach (KeyValuePair<string, DateTimeOffset> peer in _peers)
        {
            if (peer.Value < oldest && _peers.TryRemove(peer))
            {
                Log.ClusterPeerLeft(_logger, peer.Key, "silent past the peer timeout");
                changed = true;
            }
        }

        if (changed)
        {
            PeersChanged?.Invoke();
        }
    }

    private async Task CloseRedisAsync()
    {
        ConnectionMultiplexer? redis = Interlocked.Exchange(ref _redis, null);
        ConnectionMultiplexer? sentinels = Interlocked.Exchange(ref _sentinels, null);
        _subscriber = null;
        _connected = false;
        if (redis is not null)
        {
            redis.ConnectionFailed -= OnConnectionEvent;
            redis.ConnectionRestored -= OnConnectionEvent;
            await redis.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
            await redis.DisposeAsync().ConfigureAwait(false);
        }

        if (sentinels is not null)
        {
            await sentinels.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            await sentinels.DisposeAsync().ConfigureAwait(false);
        }
    }
}
