using System.Text.Json;
using Janus.Server.Cluster;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Janus.Cluster.Tests;

/// <summary>Starting clustered nodes in process, and awaiting what they report (events, never sleeps).</summary>
internal static class ClusterNodes
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A channel prefix of one's own, so nothing a test sees in Redis belongs to another test.</summary>
    public static string NewPrefix() => "jt" + Guid.NewGuid().ToString("N")[..8] + ":";

    /// <summary>Starts a node joined to <paramref name="redis"/> with the given node id and channel prefix.</summary>
    public static Task<JanusTestServer> StartAsync(RedisServer redis, string nodeId, string prefix, LogCapture? logs = null, IDictionary<string, string?>? settings = null) =>
        StartAsync(redis.ConnectionString, nodeId, prefix, logs, settings);

    /// <summary>Starts a node joined through the Redis a connection string names (a Redis Cluster, sentinels).</summary>
    public static Task<JanusTestServer> StartAsync(string redis, string nodeId, string prefix, LogCapture? logs = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            // A short connect timeout keeps a start against a dead Redis quick.
            ["Janus:Cluster:Redis"] = redis + ",connectTimeout=1000",
            ["Janus:Cluster:NodeId"] = nodeId,
            ["Janus:Cluster:ChannelPrefix"] = prefix,
            ["Janus:Cluster:HeartbeatInterval"] = "00:00:00.250",
            ["Janus:Cluster:PeerTimeout"] = "00:00:03",
            ["Janus:Cluster:ReconnectMaxDelay"] = "00:00:00.500",
        };
        if (settings is not null)
        {
            foreach (KeyValuePair<string, string?> setting in settings)
            {
                all[setting.Key] = setting.Value;
            }
        }

        return JanusTestServer.StartAsync(all, services =>
        {
            if (logs is not null)
            {
                services.AddSingleton<ILoggerProvider>(logs);
            }
        });
    }

    public static RedisCluster Cluster(this JanusTestServer node) => node.GetRequiredService<RedisCluster>();

    /// <summary>Connects a TCP client, subscribes it to <paramref name="topic"/> and reads the ACK.</summary>
    public static async Task<RawTcpClient> SubscribeAsync(this JanusTestServer node, string topic)
    {
        RawTcpClient client = await node.ConnectTcpAsync();
        await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"" + topic + "\"}\0");
        Assert.Equal("ACK", await client.ReadMessageAsync());
        return client;
    }

    /// <summary>Publishes the way the original bot does: a fresh connection, <c>PUBLISH</c>, the body, and the server hangs up.</summary>
    public static async Task PublishAsync(this JanusTestServer node, string topic, int messageId, string data = "null")
    {
        await using RawTcpClient publisher = await node.ConnectTcpAsync();
        await publisher.SendAsync("PUBLISH\0{\"topic\":\"" + topic + "\",\"event\":\"e\",\"message_id\":" + messageId + ",\"data\":" + data + "}");
        Assert.Empty(await publisher.ReadUntilClosedAsync());
    }

    /// <summary>Waits until the node's Redis subscription to the topic's channel is (or is not) in place.</summary>
    public static async Task WaitForChannelAsync(this JanusTestServer node, string topic, bool subscribed)
    {
        RedisCluster cluster = node.Cluster();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(string changed, bool state)
        {
            if (changed == topic && state == subscribed)
            {
                done.TrySetResult();
            }
        }

        cluster.ChannelChanged += OnChanged;
        try
        {
            if (cluster.IsChannelSubscribed(topic) == subscribed)
            {
                return;
            }

            await done.Task.WaitAsync(Timeout);
        }
        finally
        {
            cluster.ChannelChanged -= OnChanged;
        }
    }

    /// <summary>Waits until the node sees Redis as reachable (or not).</summary>
    public static async Task WaitForConnectionAsync(this JanusTestServer node, bool connected)
    {
        RedisCluster cluster = node.Cluster();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(bool state)
        {
            if (state == connected)
            {
                done.TrySetResult();
            }
        }

        cluster.ConnectionChanged += OnChanged;
        try
        {
            if (cluster.Connected == connected)
            {
                return;
            }

            await done.Task.WaitAsync(Timeout);
        }
        finally
        {
            cluster.ConnectionChanged -= OnChanged;
        }
    }

    /// <summary>Waits until the node's peer list is exactly <paramref name="expected"/>.</summary>
    public static async Task WaitForPeersAsync(this JanusTestServer node, params string[] expected)
    {
        RedisCluster cluster = node.Cluster();
        Array.Sort(expected, StringComparer.Ordinal);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            var ids = cluster.Peers.Select(p => p.NodeId).ToArray();
            if (ids.SequenceEqual(expected))
            {
                done.TrySetResult();
            }
        }

        cluster.PeersChanged += Check;
        try
        {
            Check();
            await done.Task.WaitAsync(Timeout);
        }
        finally
        {
            cluster.PeersChanged -= Check;
        }
    }

    /// <summary>Waits until <paramref name="logs"/> has recorded an entry with the event id.</summary>
    public static async Task WaitForLogAsync(LogCapture logs, int eventId)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLogged(int id)
        {
            if (id == eventId)
            {
                done.TrySetResult();
            }
        }

        logs.Logged += OnLogged;
        try
        {
            if (logs.Count(eventId) > 0)
            {
                return;
            }

            await done.Task.WaitAsync(Timeout);
        }
        finally
        {
            logs.Logged -= OnLogged;
        }
    }

    /// <summary>
    /// Polls Redis until the channel has <paramref name="count"/> subscribers. Only for what Redis does on its own
    /// with no event to await (StackExchange.Redis re-subscribing after a reconnect); bounded by <see cref="Timeout"/>.
    /// </summary>
    public static Task WaitForSubscriberCountAsync(RedisServer redis, string channel, long count) =>
        PollRedisAsync(
            () => redis.SubscriberCountAsync(channel),
            seen => seen == count,
            seen => $"Channel {channel} has {seen} subscribers, expected {count}, after {Timeout}.");

    /// <summary>
    /// Polls Redis until one connection named <paramref name="clientName"/> holds <paramref name="count"/>
    /// subscriptions. The count includes StackExchange.Redis's own configuration channel, which it subscribes to in
    /// the background after connecting, with nothing to await; bounded by <see cref="Timeout"/>.
    /// </summary>
    public static Task WaitForClientSubscriptionsAsync(RedisServer redis, string clientName, int count) =>
        PollRedisAsync(
            () => redis.SubscriptionCountsOfClientAsync(clientName),
            seen => seen.Contains(count),
            seen => $"The connections named {clientName} hold [{string.Join(", ", seen)}] subscriptions, expected one with {count}, after {Timeout}.");

    private static async Task PollRedisAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T, string> failure)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        T seen;
        while (!done(seen = await read()))
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail(failure(seen));
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>Reads one delivered message and returns its message_id.</summary>
    public static async Task<int> ReadMessageIdAsync(this RawTcpClient client)
    {
        using JsonDocument message = JsonDocument.Parse(await client.ReadMessageAsync());
        return message.RootElement.GetProperty("message_id").GetInt32();
    }
}
