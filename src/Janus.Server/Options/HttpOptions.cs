namespace Janus.Server.Options;

/// <summary>The HTTP listener: WebSocket endpoint, HTTP API, metrics, health and the dashboard.</summary>
public sealed class HttpOptions
{
    /// <summary>Whether to listen at all. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The address to bind: an IP address, or <c>*</c> for every interface. Defaults to <c>*</c>.</summary>
    public string Address { get; set; } = "*";

    /// <summary>The port; 0 picks a free one. Defaults to 8080.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>
    /// What carries the HTTP (and HTTPS) port's connections: <see cref="TcpTransport.Epoll"/> (Janus's own transport,
    /// as on the TCP port; the default on Linux, Kestrel's sockets elsewhere) or <see cref="TcpTransport.Sockets"/>
    /// (Kestrel's). Kestrel's HTTP, TLS and the WebSocket upgrades run over either. Defaults to <c>Epoll</c>.
    /// </summary>
    public TcpTransport Transport { get; set; } = TcpTransport.Epoll;
}
