using System.Globalization;

namespace Janus.Testing;

/// <summary>
/// A Sentinel-managed Redis on loopback for tests: a primary, a replica (<c>--replicaof</c>) and three
/// <c>redis-server --sentinel</c> processes (quorum 2) monitoring them as service <see cref="ServiceName"/>, each with
/// a generated <c>sentinel.conf</c> in a temporary directory. Every process is killed and the directory deleted on
/// dispose.
/// </summary>
public sealed class RedisSentinelServers : IAsyncDisposable
{
    /// <summary>The service name the sentinels monitor.</summary>
    public const string ServiceName = "janus";

    /// <summary>How long waits for the sentinels' own state (discovery, failover) take at most.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private readonly List<RedisServer> _sentinels = [];

    private RedisSentinelServers(string directory, RedisServer primary, RedisServer replica)
    {
        _directory = directory;
        Primary = primary;
        Replica = replica;
    }

    /// <summary>The primary when started.</summary>
    public RedisServer Primary { get; }

    /// <summary>The replica when started (the primary after a failover).</summary>
    public RedisServer Replica { get; }

    /// <summary>The sentinels.</summary>
    public IReadOnlyList<RedisServer> Sentinels => _sentinels;

    /// <summary>A StackExchange.Redis connection string: the sentinels and <c>serviceName</c>.</summary>
    public string ConnectionString => string.Join(",", _sentinels.Select(s => s.ConnectionString)) + ",serviceName=" + ServiceName;

    /// <summary>
    /// Starts the primary, the replica and the sentinels, and waits until the replica is in sync and every sentinel
    /// knows the replica and the other two sentinels (what a failover needs).
    /// </summary>
    /// <param name="downAfter">The sentinels' <c>down-after-milliseconds</c>: how long the primary may be silent before it is failed over.</param>
    public static async Task<RedisSentinelServers> StartAsync(TimeSpan? downAfter = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "janus-redis-sentinel-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        RedisServer primary = await RedisServer.StartAsync(_ => ["--dir", directory]);
        RedisServer? replica = null;
        try
        {
            replica = await RedisServer.StartAsync(_ => ["--dir", directory, "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]);
        }
        catch
        {
            await primary.DisposeAsync();
            throw;
        }

        var servers = new RedisSentinelServers(directory, primary, replica);
        try
        {
            await WaitUntilAsync(async () => ((string)(await replica.ExecuteAsync("INFO", "replication"))!).Contains("master_link_status:up", StringComparison.Ordinal), "the replica to sync");
            string down = ((long)(downAfter ?? TimeSpan.FromSeconds(1)).TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            for (int i = 0; i < 3; i++)
            {
                servers._sentinels.Add(await RedisServer.StartSentinelAsync(port =>
                {
                    string path = Path.Combine(directory, "sentinel-" + port.ToString(CultureInfo.InvariantCulture) + ".conf");
                    File.WriteAllLines(path,
                    [
                        "sentinel monitor " + ServiceName + " 127.0.0.1 " + primary.Port.ToString(CultureInfo.InvariantCulture) + " 2",
                        "sentinel down-after-milliseconds " + ServiceName + " " + down,
                        "sentinel failover-timeout " + ServiceName + " 10000",
                        "sentinel parallel-syncs " + ServiceName + " 1",
                        "dir " + directory,
                    ]);
                    return path;
                }));
            }

            await WaitUntilAsync(
                async () =>
                {
                    foreach (RedisServer sentinel in servers._sentinels)
                    {
                        if (((object?[])(await sentinel.ExecuteAsync("SENTINEL", "REPLICAS", ServiceName))!).Length != 1
                            || ((object?[])(await sentinel.ExecuteAsync("SENTINEL", "SENTINELS", ServiceName))!).Length != 2)
                        {
                            return false;
                        }
                    }

                    return true;
                },
                "every sentinel to know the replica and the other sentinels");
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port of the primary the sentinels name now (<c>SENTINEL GET-MASTER-ADDR-BY-NAME</c>), asked of a running sentinel.</summary>
    public async Task<int> PrimaryPortAsync()
    {
        object?[] address = (object?[])(await _sentinels.First(s => s.IsRunning).ExecuteAsync("SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName))!;
        return int.Parse((string)address[1]!, CultureInfo.InvariantCulture);
    }

    /// <summary>Polls external state until <paramref name="done"/> holds, for at most <see cref="Timeout"/>.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> done, string what) => ExternalState.WaitUntilAsync(done, what, Timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (RedisServer sentinel in _sentinels)
        {
            await sentinel.DisposeAsync();
        }

        await Replica.DisposeAsync();
        await Primary.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is no failure.
        }
    }
}
