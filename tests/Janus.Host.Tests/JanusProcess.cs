using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Janus.Host.Tests;

/// <summary>
/// The <c>janus</c> executable as an external process, as an operator runs it: by default the build beside the tests
/// (<c>dotnet janus.dll</c>); with <c>JANUS_BINARY</c> set, that file instead (deploy/verify-publish points it at the
/// published native AOT or single-file binary). Output is collected line by line as it arrives.
/// </summary>
internal sealed class JanusProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];
    private readonly object _lock = new();
    private TaskCompletionSource _lineArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private JanusProcess(Process process) => _process = process;

    /// <summary>What runs: the published binary under test, or the build beside the tests.</summary>
    public static string Binary => Environment.GetEnvironmentVariable("JANUS_BINARY") is { Length: > 0 } binary
        ? binary
        : Path.Combine(AppContext.BaseDirectory, "janus.dll");

    public int Id => _process.Id;

    /// <summary>
    /// Starts janus; with <paramref name="openFileLimit"/>, under <c>prlimit --nofile=N:N</c> (soft and hard, so janus
    /// cannot raise it), as an operator's LimitNOFILE would.
    /// </summary>
    public static JanusProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, int? openFileLimit = null)
    {
        string binary = Binary;
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            // Anywhere but beside the binary: janus must find its appsettings.json by itself.
            WorkingDirectory = Path.GetTempPath(),
        };
        string program = binary;
        if (binary.EndsWith(".dll", StringComparison.Ordinal))
        {
            program = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        }

        if (openFileLimit is { } limit)
        {
            start.FileName = "prlimit";
            start.ArgumentList.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--nofile={limit}:{limit}"));
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }

        if (program != binary)
        {
            start.ArgumentList.Add(binary);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test runner's own JANUS_ variables must not leak into the server under test.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("JANUS_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        // No colours or console-width formatting in the captured logs.
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        start.Environment["Logging__Console__DisableColors"] = "true";

        var process = new Process { StartInfo = start };
        var janus = new JanusProcess(process);
        process.OutputDataReceived += (_, e) => janus.Add(janus._output, e.Data);
        process.ErrorDataReceived += (_, e) => janus.Add(janus._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return janus;
    }

    /// <summary>Runs janus to its exit; returns the exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string[] Output, string[] Error)> RunAsync(params string[] args) => await RunAsync(args, null);

    public static async Task<(int ExitCode, string[] Output, string[] Error)> RunAsync(string[] args, IDictionary<string, string>? environment)
    {
        await using JanusProcess janus = Start(args, environment);
        int exitCode = await janus.WaitForExitAsync();
        return (exitCode, janus.Output, janus.Error);
    }

    public string[] Output
    {
        get
        {
            lock (_lock)
            {
                return [.. _output];
            }
        }
    }

    public string[] Error
    {
        get
        {
            lock (_lock)
            {
                return [.. _error];
            }
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for a stdout line matching <paramref name="pattern"/>; fails with everything printed if janus exits first.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? ExitTimeout);
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_output.Select(line => pattern.Match(line)).FirstOrDefault(m => m.Success) is { } match)
                {
                    return match;
                }

                arrived = _lineArrived.Task;
            }

            if (_process.HasExited)
            {
                // WaitForExitAsync also waits for the output to be read to its end: one last look, then give up.
                await _process.WaitForExitAsync(cts.Token);
                if (Output.Select(line => pattern.Match(line)).FirstOrDefault(m => m.Success) is { } last)
                {
                    return last;
                }

                throw new InvalidOperationException($"janus exited ({_process.ExitCode}) before printing {pattern}:\n{string.Join('\n', Output.Concat(Error))}");
            }

            await Task.WhenAny(arrived, _process.WaitForExitAsync(cts.Token));
            cts.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Sends SIGTERM, as systemd and docker stop do.</summary>
    public void Terminate()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource arrived;
        lock (_lock)
        {
            lines.Add(line);
            arrived = _lineArrived;
            _lineArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }
}
