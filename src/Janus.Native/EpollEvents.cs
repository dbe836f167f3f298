using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Janus.Native;

/// <summary>
/// A native array of <c>struct epoll_event</c>. The struct is packed (12 bytes) on x86-64 and naturally aligned
/// (16 bytes) elsewhere, so entries are read at a stride chosen at run time instead of through one C# struct.
/// </summary>
internal sealed unsafe class EpollEvents : IDisposable
{
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public EpollEvents(int capacity)
    {
        Capacity = capacity;
        Pointer = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * Stride));
    }

    public int Capacity { get; }

    public byte* Pointer { get; private set; }

    public uint EventsAt(int index) => Unsafe.ReadUnaligned<uint>(Pointer + (index * Stride));

    public ulong DataAt(int index) => Unsafe.ReadUnaligned<ulong>(Pointer + (index * Stride) + DataOffset);

    /// <summary>Registers, modifies or removes <paramref name="fd"/> with one <c>epoll_ctl</c> call.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        byte* evt = stackalloc byte[16];
        Unsafe.WriteUnaligned(evt, events);
        Unsafe.WriteUnaligned(evt + DataOffset, data);
        return Libc.EpollCtl(epfd, op, fd, evt);
    }

    public void Dispose()
    {
        if (Pointer != null)
        {
            NativeMemory.Free(Pointer);
            Pointer = null;
        }
    }
}
