using System.Runtime.InteropServices;

namespace Janus.Server.Hosting;

/// <summary>
/// The process's open-file limit (<c>RLIMIT_NOFILE</c>): every connection is a file descriptor, so the soft limit caps
/// how many clients one process can hold. The JIT runtime raises the soft limit to the hard limit when it starts;
/// a native AOT build does not (measured: a shell's 1024 stays 1024), so the host raises it itself.
/// </summary>
public static partial class OpenFileLimit
{
    /// <summary>
    /// Descriptors that are not client connections: listeners, epoll and event fds, the runtime's own (a thread start
    /// takes a pipe for a moment), Redis, logs. The epoll transport never accepts into them (DescriptorReserve).
    /// </summary>
    internal const int ReservedDescriptors = 128;

    private const int RlimitNofile = 7; // Linux, x64 and arm64 alike.

    /// <summary>The soft and hard limits, or null where they cannot be read (not Linux).</summary>
    public static (ulong Soft, ulong Hard)? Read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return GetRLimit(RlimitNofile, out RLimit limit) == 0 ? (limit.Current, limit.Maximum) : null;
    }

    /// <summary>Raises the soft limit to the hard limit, as the JIT runtime does at start-up; returns the soft limit now in force.</summary>
    public static ulong? RaiseToHard()
    {
        if (Read() is not { } limits)
        {
            return null;
        }

        if (limits.Soft < limits.Hard)
        {
            var raised = new RLimit { Current = limits.Hard, Maximum = limits.Hard };
            if (SetRLimit(RlimitNofile, in raised) == 0)
            {
                return limits.Hard;
            }
        }

        return limits.Soft;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
