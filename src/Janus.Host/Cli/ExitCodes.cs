namespace Janus.Host.Cli;

/// <summary>The exit codes of <c>janus</c>, for service managers and scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Stopped cleanly (SIGTERM, Ctrl-C), or printed what was asked (<c>--help</c>, <c>--version</c>, a good <c>--check</c>).</summary>
    public const int Success = 0;

    /// <summary>Failed while starting or running with a good configuration: a port in use, permission denied, a crash.</summary>
    public const int Runtime = 1;

    /// <summary>A bad switch or setting: fix the command line or the configuration; restarting will not help.</summary>
    public const int Configuration = 2;
}
