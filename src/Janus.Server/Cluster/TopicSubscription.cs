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
/// from a local publisher does.
/// </remarks>
internal sealed class TopicSubscription
{
    // Bounds how long one busy channel keeps its thread before the loop yields.
    private const int MaxMessagesPerWakeUp = 1024;

    private readonly RedisCluster _cluster;
    private readonly ILogger _logger;

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
        _cluster.Deliver(Topic, first.Message);
        for (int i = 1; i < MaxMessagesPerWakeUp && Queue.TryRead(out ChannelMessage next); i++)
        {
            _cluster.Deliver(Topic, next.Message);
        }
    }
}
