using System.Diagnostics;
using System.Globalization;

namespace Janus.Testing;

/// <summary>
/// A real Redis Cluster on loopback for tests: <c>redis-server --cluster-enabled yes</c> processes on free ports (their
/// cluster bus ports free too, set with <c>--cluster-port</c>) in a temporary directory, joined by
/// <c>redis-cli --cluster create</c> into masters with replicas. Every process is killed and the directory deleted on
/// dispose.
/// </summary>
public sealed class RedisClusterServers : IAsyncDisposable
{
    /// <summary>How long waits for the cluster's own state (joining, failing over) take at most.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private readonly List<RedisServer> _servers = [];

    private RedisClusterServers(string directory) => _directory = directory;

    /// <summary>Every process started, masters and replicas (a killed one stays listed, not running).</summary>
    public IReadOnlyList<RedisServer> Servers => _servers;

    /// <summary>A StackExchange.Redis connection string naming every node (it discovers the cluster from any).</summary>
    public string ConnectionString => string.Join(",", _servers.Select(s => s.ConnectionString));

    /// <summary>
    /// Starts <paramref name="masters"/> × (1 + <paramref name="replicasPerMaster"/>) nodes, creates the cluster and
    /// waits until every slot is served and every replica is in sync with its master.
    /// </summary>
    /// <param name="masters">Masters (at least 3: <c>redis-cli --cluster create</c> asks for that many).</param>
    /// <param name="replicasPerMaster">Replicas of each master.</param>
    /// <param name="nodeTimeout">The cluster's <c>cluster-node-timeout</c>: how long a master may be silent before its replica takes over.</param>
    public static async Task<RedisClusterServers> StartAsync(int masters = 3, int replicasPerMaster = 1, TimeSpan? nodeTimeout = null)
    {
        string directory = Path.Combine(Path.GetTempPath(), "janus-redis-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var cluster = new RedisClusterServers(directory);
        try
        {
            string timeout = ((long)(nodeTimeout ?? TimeSpan.FromSeconds(1)).TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            int count = masters * (1 + replicasPerMaster);
            Task<RedisServer>[] starting = new Task<RedisServer>[count];
            for (int i = 0; i < count; i++)
            {
                starting[i] = RedisServer.StartAsync(port =>
                [
                    "--cluster-enabled", "yes",
                    "--cluster-port", RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
                    "--cluster-config-file", Path.Combine(directory, "nodes-" + port.ToString(CultureInfo.InvariantCulture) + ".conf"),
                    "--cluster-node-timeout", timeout,
                    "--dir", directory,
                ]);
            }

            foreach (Task<RedisServer> server in starting)
            {
                cluster._servers.Add(await server);
            }

            await RunRedisCliAsync(
            [
                "--cluster", "create", .. cluster._servers.Select(s => s.ConnectionString),
                "--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes",
            ]);
            await WaitUntilAsync(
                async () =>
                {
                    IReadOnlyList<ClusterNode> nodes = await cluster.NodesAsync();
                    return nodes.Count(n => n.IsMaster && n.Slots.Count > 0) == masters
                        && nodes.Count(n => !n.IsMaster && !n.Failed) == masters * replicasPerMaster
                        && await cluster.AllRunningAsync(async s => ((string)(await s.ExecuteAsync("CLUSTER", "INFO"))!).Contains("cluster_state:ok", StringComparison.Ordinal))
                        && await ReplicasInSyncAsync(nodes);
                },
                "the cluster to form with every replica in sync");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The cluster as a running node sees it (<c>CLUSTER NODES</c>), without the nodes marked failed.</summary>
    public async Task<IReadOnlyList<ClusterNode>> NodesAsync()
    {
        RedisServer any = _servers.First(s => s.IsRunning);
        string text = (string)(await any.ExecuteAsync("CLUSTER", "NODES"))!;
        var nodes = new List<ClusterNode>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] fields = line.Split(' ');
            string address = fields[1];
            int port = int.Parse(address.AsSpan(address.IndexOf(':', StringComparison.Ordinal) + 1, address.IndexOf('@', StringComparison.Ordinal) - address.IndexOf(':', StringComparison.Ordinal) - 1), CultureInfo.InvariantCulture);
            string[] flags = fields[2].Split(',');
            var slots = new List<(int From, int To)>();
            foreach (string range in fields.Skip(8))
            {
                if (range.StartsWith('['))
                {
                    continue; // a slot being migrated
                }

                int dash = range.IndexOf('-', StringComparison.Ordinal);
                slots.Add(dash < 0
                    ? (int.Parse(range, CultureInfo.InvariantCulture), int.Parse(range, CultureInfo.InvariantCulture))
                    : (int.Parse(range.AsSpan(0, dash), CultureInfo.InvariantCulture), int.Parse(range.AsSpan(dash + 1), CultureInfo.InvariantCulture)));
            }

            RedisServer? server = _servers.FirstOrDefault(s => s.Port == port);
            nodes.Add(new ClusterNode(fields[0], server!, flags.Contains("master"), flags.Contains("fail") || flags.Contains("fail?"), fields[3] == "-" ? null : fields[3], slots));
        }

        return nodes;
    }

    /// <summary>The running master that serves <paramref name="slot"/>.</summary>
    public async Task<ClusterNode> MasterOfSlotAsync(int slot) =>
        (await NodesAsync()).Single(n => n.IsMaster && !n.Failed && n.Slots.Any(r => r.From <= slot && slot <= r.To));

    /// <summary><c>CLUSTER KEYSLOT</c>: the slot of a key or sharded channel name.</summary>
    public async Task<int> SlotOfAsync(string name) =>
        (int)(long)(await _servers.First(s => s.IsRunning).ExecuteAsync("CLUSTER", "KEYSLOT", name))!;

    /// <summary>Polls the cluster's own state until <paramref name="done"/> holds, for at most <see cref="Timeout"/>.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> done, string what) => ExternalState.WaitUntilAsync(done, what, Timeout);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (RedisServer server in _servers)
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is no failure.
        }
    }

    private async Task<bool> AllRunningAsync(Func<RedisServer, Task<bool>> check)
    {
        foreach (RedisServer server in _servers.Where(s => s.IsRunning))
        {
            if (!await check(server))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> ReplicasInSyncAsync(IReadOnlyList<ClusterNode> nodes)
    {
        foreach (ClusterNode replica in nodes.Where(n => !n.IsMaster && !n.Failed))
        {
            string info = (string)(await replica.Server.ExecuteAsync("INFO", "replication"))!;
            if (!info.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task RunRedisCliAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException("redis-cli " + string.Join(" ", arguments) + " did not finish: " + await output);
        }

        if (process.ExitCode != 0)
        {
            throw new IOException("redis-cli " + string.Join(" ", arguments) + " failed: " + await output + await error);
        }
    }
}

/// <summary>One node of a <see cref="RedisClusterServers"/> as <c>CLUSTER NODES</c> lists it.</summary>
/// <param name="Id">The node id.</param>
/// <param name="Server">The process.</param>
/// <param name="IsMaster">Whether it is a master.</param>
/// <param name="Failed">Whether the cluster holds it failed (or suspects so).</param>
/// <param name="MasterId">The master it replicates, for a replica.</param>
/// <param name="Slots">The slot ranges it serves, for a master.</param>
public sealed record ClusterNode(string Id, RedisServer Server, bool IsMaster, bool Failed, string? MasterId, IReadOnlyList<(int From, int To)> Slots);
