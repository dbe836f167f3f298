using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Janus.Cluster.Tests;

/// <summary>
/// A Janus node as an OS process of its own (the built <c>janus</c> executable of src/Janus.Host), so a test can kill
/// it the way a crash would: no graceful stop, no goodbye to Redis or its peers, sockets reset by the kernel.
/// </summary>
internal sealed class JanusProcess : IAsyncDisposable
{
    private readonly Process _process;

    private JanusProcess(Process process, int tcpPort)
    {
        _process = process;
        TcpEndPoint = new IPEndPoint(IPAddress.Loopback, tcpPort);
    }

    public IPEndPoint TcpEndPoint { get; }

    /// <summary>Starts the node with the given settings and waits until it listens and is connected to Redis.</summary>
    public static async Task<JanusProcess> StartAsync(IDictionary<string, string> settings)
    {
        int tcpPort = FreePort(), httpPort = FreePort();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ExecutablePath());
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(tcpPort.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--http-port");
        start.ArgumentList.Add(httpPort.ToString(CultureInfo.InvariantCulture));
        foreach (KeyValuePair<string, string> setting in settings)
        {
            start.ArgumentList.Add($"--{setting.Key}={setting.Value}");
        }

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.Contains("listening on janus-tcp://", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
            else if (line.Contains("connected to Redis", StringComparison.Ordinal) && !line.Contains("connecting", StringComparison.Ordinal))
            {
                connected.TrySetResult();
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) =>
        {
            listening.TrySetException(new InvalidOperationException("janus exited during start: " + output));
            connected.TrySetException(new InvalidOperationException("janus exited during start: " + output));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new JanusProcess(process, tcpPort);
        try
        {
            await Task.WhenAll(listening.Task, connected.Task).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await node.DisposeAsync();
            lock (output)
            {
                throw new TimeoutException("janus did not start within 30 s: " + output);
            }
        }

        return node;
    }

    /// <summary>Kills the process (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
        ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");

    /// <summary>src/Janus.Host's build output for the test's own configuration (the project reference builds it).</summary>
    private static string ExecutablePath()
    {
        // tests/Janus.Cluster.Tests/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name;
        string configuration = output.Parent!.Name;
        DirectoryInfo? root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Janus.slnx")))
        {
            root = root.Parent;
        }

        string path = Path.Combine(root?.FullName ?? throw new FileNotFoundException("Janus.slnx not found above " + output), "src", "Janus.Host", "bin", configuration, framework, "janus.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build src/Janus.Host first", path);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
