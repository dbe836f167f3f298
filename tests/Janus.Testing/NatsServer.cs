using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Janus.Testing;

/// <summary>
/// A real <c>nats-server</c> process (core NATS, no JetStream) on a free loopback port, for the bot's side-by-side
/// NATS figures; killed on dispose. test.sh installs the Debian package (it puts the binary in /usr/sbin).
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly string? _configPath;

    private NatsServer(int port, Process process, string? configPath)
    {
        Port = port;
        _process = process;
        _configPath = configPath;
    }

    /// <summary>The loopback port NATS listens on for clients.</summary>
    public int Port { get; }

    /// <summary>The endpoint, e.g. for a raw client.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>
    /// Starts <c>nats-server -a 127.0.0.1 -p PORT</c> on a free port, with <paramref name="config"/> (the server's
    /// configuration-file syntax, e.g. <c>ping_interval: "200ms"</c>) when given, and waits until it is ready.
    /// </summary>
    public static async Task<NatsServer> StartAsync(string? config = null)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await StartProcessAsync(FreePort(), config);
            }
            catch (IOException) when (attempt < 3)
            {
                // Someone took the port between our probe and the server's bind; try another.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            if (_configPath is not null)
            {
                File.Delete(_configPath);
            }
        }
    }

    private static async Task<NatsServer> StartProcessAsync(int port, string? config)
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string? configPath = null;
        if (config is not null)
        {
            configPath = Path.Combine(Path.GetTempPath(), $"janus-nats-{Guid.NewGuid():N}.conf");
            await File.WriteAllTextAsync(configPath, config);
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(configPath);
        }

        // Command-line flags win over the file: the tests' port and loopback address always hold.
        foreach (string argument in new[] { "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            // nats-server logs to stderr.
            if (e.Data.Contains("Server is ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new IOException("nats-server exited before it was ready: " + output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NatsServer(port, process, configPath);
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
            return server;
        }
        catch (Exception error) when (error is TimeoutException or IOException)
        {
            await server.DisposeAsync();
            throw new IOException("nats-server did not become ready: " + output, error);
        }
    }

    /// <summary>The binary on PATH, or where Debian's package puts it (/usr/sbin is not on every user's PATH).</summary>
    private static string Executable()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "/usr/sbin/nats-server";
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
