using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Janus.Bot.Coordination;

/// <summary>
/// A <c>janus-bot worker</c> child process seen from the coordinator: JSON lines to its stdin, from its stdout;
/// its stderr is passed through with a prefix. Progress lines update counters instead of queueing.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<ControlMessage> _messages = Channel.CreateUnbounded<ControlMessage>();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly TextWriter _diagnostics;
    private long _connected;
    private long _subscribed;
    private long _failed;

    private WorkerProcess(int index, Process process, TextWriter diagnostics)
    {
        Index = index;
        _process = process;
        _diagnostics = diagnostics;
        _stdoutPump = PumpStdoutAsync();
        _stderrPump = PumpStderrAsync();
    }

    public int Index { get; }

    public long Connected => Interlocked.Read(ref _connected);

    public long Subscribed => Interlocked.Read(ref _subscribed);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Starts a worker: this same program with the hidden <c>worker</c> command.</summary>
    public static WorkerProcess Start(WorkerConfig config, TextWriter diagnostics)
    {
        ArgumentNullException.ThrowIfNull(config);
        ProcessStartInfo start = WorkerCommand();
        start.ArgumentList.Add("worker");
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var worker = new WorkerProcess(config.Index, process, diagnostics);
        worker.Send(new ControlMessage { Type = ControlMessage.ConfigType, Config = config });
        return worker;
    }

    public void Send(ControlMessage message)
    {
        string line = JsonSerializer.Serialize(message, BotJsonContext.Default.ControlMessage);
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>The worker's next message, which must be of <paramref name="type"/>.</summary>
    public async Task<ControlMessage> ExpectAsync(string type, CancellationToken cancellationToken)
    {
        ControlMessage message;
        try
        {
            message = await _messages.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            await _process.WaitForExitAsync(cancellationToken);
            throw new InvalidOperationException($"worker {Index} exited (code {_process.ExitCode}) while the coordinator waited for '{type}'.");
        }

        if (message.Type == ControlMessage.ErrorType)
        {
            throw new InvalidOperationException($"worker {Index}: {message.Message}");
        }

        return message.Type == type
            ? message
            : throw new InvalidOperationException($"worker {Index} sent '{message.Type}' where '{type}' was expected.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            await _diagnostics.WriteLineAsync($"worker {Index} did not exit; killing it");
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        await Task.WhenAll(_stdoutPump, _stderrPump);
        _process.Dispose();
    }

    private static ProcessStartInfo WorkerCommand()
    {
        // The apphost beside our assembly when there is one (a normal build), else the dll through the dotnet host
        // (e.g. when the coordinator runs inside a test host).
        string directory = AppContext.BaseDirectory;
        string apphost = Path.Combine(directory, "janus-bot");
        if (File.Exists(apphost))
        {
            return new ProcessStartInfo(apphost);
        }

        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet");
        var start = new ProcessStartInfo(dotnet);
        start.ArgumentList.Add(Path.Combine(directory, "janus-bot.dll"));
        return start;
    }

    private async Task PumpStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                ControlMessage? message = JsonSerializer.Deserialize(line, BotJsonContext.Default.ControlMessage);
                if (message is null)
                {
                    continue;
                }

                if (message.Type is ControlMessage.ProgressType or ControlMessage.ReadyType)
                {
                    Interlocked.Exchange(ref _connected, message.Connected);
                    Interlocked.Exchange(ref _subscribed, message.Subscribed);
                    Interlocked.Exchange(ref _failed, message.Failed);
                    if (message.Type == ControlMessage.ProgressType)
                    {
                        continue;
                    }
                }

                _messages.Writer.TryWrite(message);
            }
        }
        catch (JsonException ex)
        {
            await _diagnostics.WriteLineAsync($"worker {Index}: unreadable line: {ex.Message}");
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }

    private async Task PumpStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            await _diagnostics.WriteLineAsync($"[worker {Index}] {line}");
        }
    }
}
