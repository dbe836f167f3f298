using System.Threading.Channels;
using Janus.Server.Fanout;
using Janus.Server.Logging;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Janus.Server.Cluster;

/// <summary>
/// This node's subscription to one topic's Redis channel: the ordered queue StackExchange.Redis fills, and the one
/// loop that drains it into local fan-out.
/// </summary>
/// <remarks>
/// One loop per channel keeps the channel's order. Each wake-up delivers everything already queued under one
/// <see cref="FanoutBatch"/>, so a burst from another node reaches each local subscriber in one write, as a burst
/// from a local publisher does; consecutive messages Redis numbered are fanned out as one batch (one publish lock,
/// one enqueue per subscriber), as the combiner fans out concurrent local publishes.
/// </remarks>
internal sealed class TopicSubscription
{
    // Bounds how long one busy channel keeps its thread before the loop yields.
    private const int MaxMessagesPerWakeUp = 1024;

    // Messages fanned out as one batch: what the combiner's batches reach with 100 publishers at once.
    private const int MaxBatch = 64;

    private readonly RedisCluster _cluster;
    private readonly ILogger _logger;
    private PositionedPublish[]? _pending;
    private int _count;
    private long _bytes;

    public TopicSubscription(RedisCluster cluster, string topic, ChannelMessageQueue queue, ILogger logger)
    {
        _cluster = cluster;
        _logger = logger;
        Topic = topic;
        Queue = queue;
    }

    /// <summary>The local topic.</summary>
    public string Topic { get; }

    /// <summary>The queue StackExchange.Redis fills in channel order.</summary>
    public ChannelMessageQueue Queue { get; }

    /// <summary>Drains the queue until the channel is unsubscribed.</summary>
    public async Task RunAsync()
    {
        while (true)
        {
            ChannelMessage first;
            try
            {
                first = await Queue.ReadAsync().ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return;
            }

            try
            {
                DeliverAvailable(first);
            }
            catch (Exception ex)
            {
                // A bug in fan-out must not silently end this topic's cross-node delivery.
                Log.ClusterDeliveryFailed(_logger, Topic, ex);
            }
        }
    }

    private void DeliverAvailable(ChannelMessage first)
    {
        using FanoutBatch batch = FanoutBatch.Begin();
        try
        {
            _cluster.Deliver(this, first.Message);
            for (int i = 1; i < MaxMessagesPerWakeUp && Queue.TryRead(out ChannelMessage next); i++)
            {
                _cluster.Deliver(this, next.Message);
            }
        }
        finally
        {
            Flush();
        }
    }

    /// <summary>
    /// Adds a message Redis numbered to the batch fanned out together (one publish lock and one enqueue per local
    /// subscriber for the lot, as the combiner does for local publishes); the batch goes once it holds
    /// <see cref="MaxBatch"/> messages or <see cref="FanoutBatch.MaxDeferredBytes"/>, before anything unnumbered, and
    /// at the end of each wake-up. Only this subscription's loop calls it.
    /// </summary>
    internal void Add(in PositionedPublish publish)
    {
        PositionedPublish[] pending = _pending ??= new PositionedPublish[MaxBatch];
        pending[_count++] = publish;
        _bytes += publish.Message.Size;
        if (_count == MaxBatch || _bytes >= FanoutBatch.MaxDeferredBytes)
        {
            Flush();
        }
    }

    /// <summary>Fans out the batch, if any (see <see cref="Add"/>).</summary>
    internal void Flush()
    {
        int count = _count;
        if (count == 0)
        {
            return;
        }

        _count = 0;
        _bytes = 0;
        _cluster.DeliverPositioned(Topic, _pending.AsSpan(0, count));
    }
}
