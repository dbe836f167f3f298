using System.Net;
using System.Net.Sockets;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// One listening socket of an <see cref="EpollListener"/>, watched by one loop. With several loops the listener has
/// one per loop, all bound to the same address with <c>SO_REUSEPORT</c>: the kernel spreads new connections over them
/// by a hash of the client's address and port, and each loop accepts from its own, so no lock or thread is shared by
/// the loops to take a connection in.
/// </summary>
internal sealed class ListenSocket
{
    public ListenSocket(EpollListener listener, EpollLoop loop, int fd, AddressFamily family)
    {
        Listener = listener;
        Loop = loop;
        Fd = fd;
        Peer = new SocketAddress(family);
        AcceptAgain = () => Listener.OnAcceptReady(this);
    }

    public EpollListener Listener { get; }

    /// <summary>The loop that watches this socket and, for a listener that serves inline, accepts from it.</summary>
    public EpollLoop Loop { get; }

    /// <summary>Guards <see cref="Fd"/> and <see cref="Peer"/>: the socket is closed under it, and the address buffer is shared by every accept.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The descriptor; -1 once closed (read and written under <see cref="Gate"/>).</summary>
    public int Fd { get; set; }

    /// <summary>Where <c>accept4</c> writes the client's address.</summary>
    public SocketAddress Peer { get; }

    /// <summary>Posted to <see cref="Loop"/> to accept again later (a retry at the descriptor reserve, or the rest of a long backlog).</summary>
    public Action AcceptAgain { get; }

    /// <summary>
    /// At the descriptor reserve: accepting waits for a free descriptor (inline serving only; read on the loop thread,
    /// written there under the listener's lock).
    /// </summary>
    public bool Paused { get; set; }
}
