using System.Runtime.InteropServices;

namespace Janus.Native;

/// <summary>
/// The few libc calls that janus-bot's receive loop and the server's epoll transport are built on. Both drive their
/// sockets themselves (non-blocking, epoll, one <c>recv</c> per readable socket) because .NET's socket engine costs
/// objects, a thread-pool hop and an extra <c>recv</c> that returns EAGAIN per message, and bot and server share two
/// cores. Linux only; the constants are the generic Linux ABI values (x86-64 and arm64 agree).
/// </summary>
internal static unsafe partial class Libc
{
    public const int AfInet = 2;
    public const int AfInet6 = 10;
    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloExec = 0x80000;

    public const int SolSocket = 1;
    public const int SoReuseAddr = 2;
    public const int SoError = 4;
    public const int SoLinger = 13;
    public const int SoReusePort = 15;
    public const int IpProtoIp = 0;
    public const int IpProtoTcp = 6;
    public const int TcpNoDelay = 1;
    public const int IpProtoIpv6 = 41;
    public const int Ipv6V6Only = 26;

    public const int ShutWr = 1;
    public const int ShutRdWr = 2;

    /// <summary>Lets <c>bind</c> take an address without a port, so the port is picked per destination at connect.</summary>
    public const int IpBindAddressNoPort = 24;

    public const int EpollCloExec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 0x80000000;

    public const int EfdNonBlock = 0x800;
    public const int EfdCloExec = 0x80000;

    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;

    public const int EIntr = 4;
    public const int EBadF = 9;
    public const int EAgain = 11;
    public const int ENoMem = 12;
    public const int EInval = 22;
    public const int ENFile = 23;
    public const int EMFile = 24;
    public const int EPipe = 32;
    public const int EAfNoSupport = 97;
    public const int EAddrInUse = 98;
    public const int EConnAborted = 103;
    public const int EConnReset = 104;
    public const int ENoBufs = 105;
    public const int EInProgress = 115;

    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, void* address, uint length);

    [LibraryImport(Library, EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport(Library, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, void* address, uint* length, int flags);

    [LibraryImport(Library, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, void* address, uint* length);

    [LibraryImport(Library, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Library, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, void* address, uint length);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, void* evt);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>errno of the last call above.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();
}
