namespace Janus.Server.Options;

/// <summary>The listener for the original Janus TCP protocol.</summary>
public sealed class TcpOptions
{
    /// <summary>Whether to listen at all. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The address to bind: an IP address, or <c>*</c> for every interface (IPv4 and IPv6). Defaults to <c>*</c>,
    /// as the original did; publishing from outside <see cref="SecurityOptions.TrustedNetworks"/> is refused anyway.
    /// </summary>
    public string Address { get; set; } = "*";

    /// <summary>The port; 0 picks a free one. Defaults to 8081, the original's port.</summary>
    public int Port { get; set; } = 8081;

    /// <summary>Close the connection after a <c>PUBLISH</c> frame's body, as the original did. Defaults to true.</summary>
    public bool CloseAfterPublish { get; set; } = true;

    /// <summary>
    /// The listen backlog (also used for the HTTP listener). A burst of thousands of connects overflows Kestrel's
    /// default of 512, and every dropped SYN costs that client a retransmit of one second or more. The kernel caps
    /// it at <c>net.core.somaxconn</c>. Defaults to 4096.
    /// </summary>
    public int Backlog { get; set; } = 4096;

    /// <summary>
    /// Threads that write queued messages to clients, for every transport (see <c>SendScheduler</c>); 0 means one
    /// per processor. Defaults to 0.
    /// </summary>
    public int SendThreads { get; set; }

    /// <summary>
    /// Event loops of the epoll transport (<see cref="TcpTransport.Epoll"/>): threads that each accept, read and answer
    /// their own share of the TCP ports' connections (one listening socket each, with <c>SO_REUSEPORT</c>, so the
    /// kernel spreads new connections over them). 0 means one per processor. Defaults to 0.
    /// </summary>
    public int EventLoops { get; set; }

    /// <summary>
    /// What carries the TCP port's connections: <see cref="TcpTransport.Epoll"/> (Janus's own transport, the default
    /// on Linux) or <see cref="TcpTransport.Sockets"/> (Kestrel's). The HTTP port has its own setting (<see cref="HttpOptions.Transport"/>).
    /// </summary>
    public TcpTransport Transport { get; set; } = TcpTransport.Epoll;

    /// <summary>
    /// Run socket and pipe continuations inline instead of hopping to the thread pool (Kestrel's
    /// <c>UnsafePreferInlineScheduling</c>), for the ports Kestrel's socket transport serves; the epoll transport always
    /// runs them inline. Saves a thread hop per send and per receive; safe here because no Janus
    /// code blocks on those threads. Defaults to true.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// Read a PROXY protocol header (v1 text or v2 binary, as HAProxy's <c>send-proxy</c>/<c>send-proxy-v2</c> and
    /// nginx's <c>proxy_protocol on</c> write it) at the start of each TCP connection that comes from
    /// <see cref="SecurityOptions.KnownProxies"/> or <see cref="SecurityOptions.KnownNetworks"/>, and judge the
    /// client by the address it names. Connections from anywhere else are read as they are, with no header. Needs a
    /// known proxy. Defaults to false.
    /// </summary>
    public bool ProxyProtocol { get; set; }
}
