namespace Janus.Server.Options;

/// <summary>What carries the TCP protocol port's connections under Kestrel.</summary>
public enum TcpTransport
{
    /// <summary>
    /// Janus's own Kestrel transport (Linux): raw non-blocking sockets on one epoll loop per core
    /// (<c>EventLoops</c>), a few small objects per connection and no buffer while a connection is idle. Elsewhere it
    /// falls back to <see cref="Sockets"/>.
    /// </summary>
    Epoll,

    /// <summary>Kestrel's socket transport (<c>System.Net.Sockets</c> and two pipes per connection).</summary>
    Sockets,
}
