using Janus.Native;
using Janus.Server.Hosting;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// The descriptors below the open-file limit that accepted connections never take, so the runtime always has some.
/// </summary>
/// <remarks>
/// <para>Why: the .NET runtime needs descriptors of its own at moments nobody chooses. Starting a thread takes a
/// pipe for a moment (the thread pool starts threads whenever it sees work waiting), the GC reads <c>/proc</c> files.
/// When accepted sockets had taken every descriptor, the next thread start failed, the runtime turned that into an
/// exception it could not unwind and the process aborted with "terminate called after throwing an instance of
/// 'PAL_SEHException'" (or "Out of memory."), every client lost (docs/benchmarks.md, "descriptor").</para>
/// <para>How: Linux hands out the lowest free descriptor number, so an accepted socket numbered at or above
/// <c>limit - reserve</c> means fewer than <c>reserve</c> are left. That socket is closed at once (the one client
/// refused) and the listener stops accepting; clients wait in the listen backlog. While stopped, before each accept
/// the listener asks for the lowest free number (<c>dup</c>, closed again at once) and accepts only when it is below
/// the ceiling, so a freed descriptor lets exactly one waiting client in and refuses nobody. The check costs one
/// comparison per accept while the process is below the ceiling.</para>
/// </remarks>
internal sealed class DescriptorReserve
{
    private int _ceiling;

    private DescriptorReserve(int ceiling) => _ceiling = ceiling;

    /// <summary>The first descriptor number an accepted connection may not have.</summary>
    public int Ceiling => Volatile.Read(ref _ceiling);

    /// <summary>The reserve below the process's current soft limit (no ceiling where the limit cannot be read).</summary>
    public static DescriptorReserve FromProcessLimit() => new(ReadCeiling());

    /// <summary>Whether an accepted socket's descriptor lies in the reserve (one comparison: the accept hot path).</summary>
    public bool IsReserved(int fd) => fd >= Volatile.Read(ref _ceiling);

    /// <summary>
    /// Whether the next accept would get a descriptor below the ceiling: the lowest free number, found by duplicating
    /// <paramref name="anyFd"/> and closing the copy. The limit is read again first, so raising it on a running
    /// process (<c>prlimit --pid</c>) lets clients in without a restart.
    /// </summary>
    public bool HasRoom(int anyFd)
    {
        Volatile.Write(ref _ceiling, ReadCeiling());

        int probe = Libc.Dup(anyFd);
        if (probe < 0)
        {
            return false;
        }

        Libc.Close(probe);
        return probe < Ceiling;
    }

    private static int ReadCeiling()
    {
        if (OpenFileLimit.Read() is not { } limits)
        {
            return int.MaxValue;
        }

        ulong ceiling = limits.Soft > OpenFileLimit.ReservedDescriptors ? limits.Soft - OpenFileLimit.ReservedDescriptors : 0;
        return ceiling >= int.MaxValue ? int.MaxValue : (int)ceiling;
    }
}
