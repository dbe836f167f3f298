namespace Janus.Server.Fanout;

/// <summary>Where a connection or a publish came from, for per-transport counts.</summary>
public enum TransportKind
{
    /// <summary>The original Janus TCP protocol.</summary>
    Tcp,

    /// <summary>The WebSocket endpoint.</summary>
    WebSocket,

    /// <summary>The HTTP API (publishes only).</summary>
    Http,

    /// <summary>Another node of the cluster (publishes only).</summary>
    Cluster,

    /// <summary>
    /// A dashboard page's own WebSocket (<c>/ws?dashboard=1</c>; connections only): counted apart so that opening the
    /// dashboard does not change the client connection count it shows. Its publishes count as <see cref="WebSocket"/>.
    /// </summary>
    Dashboard,
}
