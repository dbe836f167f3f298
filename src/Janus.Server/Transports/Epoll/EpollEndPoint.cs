using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// An address Kestrel is told to listen on with the epoll transport. Kestrel picks a transport per endpoint by
/// asking each <see cref="Microsoft.AspNetCore.Connections.IConnectionListenerFactorySelector"/>; this type is how
/// <see cref="EpollTransportFactory"/> recognises the TCP protocol port, so every other port stays on Kestrel's
/// socket transport.
/// </summary>
public sealed class EpollEndPoint : IPEndPoint
{
    /// <summary>The listen backlog when none is given.</summary>
    public const int DefaultBacklog = 4096;

    /// <summary>An endpoint for the epoll transport.</summary>
    public EpollEndPoint(IPAddress address, int port, int backlog = DefaultBacklog)
        : base(address, port)
    {
        Backlog = backlog;
    }

    /// <summary>The listen backlog (the kernel caps it at <c>net.core.somaxconn</c>).</summary>
    public int Backlog { get; }

    /// <summary>
    /// The application to run on each accepted connection on its event loop's thread, instead of handing the
    /// connection to Kestrel's dispatch (which queues every connection to the thread pool); null: through Kestrel.
    /// For a port whose connections start with no expensive work (the plain TCP port, not the TLS one, whose
    /// handshake would hold the loop).
    /// </summary>
    public ConnectionDelegate? InlineApplication { get; set; }
}
