using Janus.Host.Cli;

try
{
    return await JanusCommandLine.RunAsync(args, Console.Out, Console.Error);
}
catch (Exception ex)
{
    // The last resort: one line and exit code 1 rather than the runtime's stack trace and SIGABRT (134).
    await Console.Error.WriteLineAsync($"janus: stopped by an unexpected error: {ex.GetType().Name}: {ex.Message}");
    return ExitCodes.Runtime;
}
