using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Janus.Testing;

/// <summary>
/// A real <c>redis-server</c> process on a free loopback port, with persistence off, for cluster tests. It can be
/// killed and started again on the same port (a fresh process: no state survives), and is killed on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly IReadOnlyList<string> _extraArguments;
    private readonly string? _sentinelConfig;
    private Process? _process;

    private RedisServer(int port, IReadOnlyList<string>? extraArguments = null, string? sentinelConfig = null)
    {
        Port = port;
        _extraArguments = extraArguments ?? [];
        _sentinelConfig = sentinelConfig;
    }

    /// <summary>The loopback port Redis listens on (kept across restarts).</summary>
    public int Port { get; }

    /// <summary>The endpoint, e.g. for a raw client.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Whether the process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts Redis on a free port and waits until it accepts connections.</summary>
    public static Task<RedisServer> StartAsync() => StartAsync(static _ => []);

    /// <summary>
    /// Starts Redis on a free port with more arguments (e.g. <c>--cluster-enabled yes</c>, <c>--replicaof</c>), made
    /// from the port chosen, and waits until it accepts connections.
    /// </summary>
    public static Task<RedisServer> StartAsync(Func<int, IReadOnlyList<string>> extraArguments)
    {
        ArgumentNullException.ThrowIfNull(extraArguments);
        return StartOnFreePortAsync(port => new RedisServer(port, extraArguments(port)));
    }

    /// <summary>
    /// Starts <c>redis-server --sentinel</c> on a free port with a config file written by
    /// <paramref name="writeConfig"/> (given the port; the sentinel rewrites the file as it learns), and waits until it runs.
    /// </summary>
    public static Task<RedisServer> StartSentinelAsync(Func<int, string> writeConfig)
    {
        ArgumentNullException.ThrowIfNull(writeConfig);
        return StartOnFreePortAsync(port => new RedisServer(port, sentinelConfig: writeConfig(port)));
    }

    private static async Task<RedisServer> StartOnFreePortAsync(Func<int, RedisServer> create)
    {
        for (int attempt = 0; ; attempt++)
        {
            var server = create(FreePort());
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (IOException) when (attempt < 3)
            {
                // Someone took the port between our probe and Redis's bind; try another.
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Reserves a free port without starting Redis (to start a node while Redis is down).</summary>
    public static RedisServer Reserve() => new(FreePort());

    /// <summary>Starts a fresh Redis process on <see cref="Port"/> (after <see cref="KillAsync"/> or <see cref="Reserve"/>).</summary>
    public async Task StartProcessAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Redis is already running.");
        }

        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments = _sentinelConfig is not null
            ? [_sentinelConfig, "--sentinel", "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no", "--daemonize", "no"]
            : [
                // protected-mode off: it admits only 127.0.0.1, and load tests connect from 127.0.0.2+ (bind keeps it on loopback).
                "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", Path.GetTempPath(), "--loglevel", "notice", .. _extraArguments,
            ];
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A sentinel never says it is ready to accept connections; it says its id once it listens.
        string readyLine = _sentinelConfig is not null ? "Sentinel ID is" : "Ready to accept connections";

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains(readyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new IOException("redis-server exited before it was ready: " + output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            throw new IOException("redis-server did not become ready in time: " + output);
        }
    }

    /// <summary>Kills the process (SIGKILL: no goodbye to clients) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        Process? process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Runs one command on a fresh connection and returns the reply.</summary>
    public async Task<object?> ExecuteAsync(params string[] command)
    {
        await using RespClient client = await RespClient.ConnectAsync(EndPoint);
        return await client.ExecuteAsync(command);
    }

    /// <summary><c>PUBSUB NUMSUB</c>: how many connections are subscribed to the channel.</summary>
    public async Task<long> SubscriberCountAsync(string channel)
    {
        var reply = (object?[])(await ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)reply[1]!;
    }

    /// <summary><c>PUBSUB CHANNELS pattern</c>: the channels with at least one subscriber, sorted.</summary>
    public async Task<IReadOnlyList<string>> ActiveChannelsAsync(string pattern)
    {
        var reply = (object?[])(await ExecuteAsync("PUBSUB", "CHANNELS", pattern))!;
        var channels = new List<string>();
        foreach (object? channel in reply)
        {
            channels.Add((string)channel!);
        }

        channels.Sort(StringComparer.Ordinal);
        return channels;
    }

    /// <summary>
    /// <c>CLIENT LIST</c>, reduced to the clients with the given name: each one's <c>sub</c> field (channels it is
    /// subscribed to). A StackExchange.Redis client shows up as two connections, one of them its subscriber.
    /// </summary>
    public async Task<IReadOnlyList<int>> SubscriptionCountsOfClientAsync(string clientName)
    {
        string list = (string)(await ExecuteAsync("CLIENT", "LIST"))!;
        var counts = new List<int>();
        foreach (string line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string? name = null;
            int sub = 0;
            foreach (string field in line.Split(' '))
            {
                if (field.StartsWith("name=", StringComparison.Ordinal))
                {
                    name = field[5..];
                }
                else if (field.StartsWith("sub=", StringComparison.Ordinal))
                {
                    sub = int.Parse(field[4..], CultureInfo.InvariantCulture);
                }
            }

            if (name == clientName)
            {
                counts.Add(sub);
            }
        }

        return counts;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await KillAsync();

    internal static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
