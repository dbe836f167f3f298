using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Janus.Server.Hosting;

/// <summary>The endpoints Janus listens on, with the real ports once the server has started (port 0 picks one).</summary>
public sealed class JanusEndpoints
{
    internal ListenOptions? TcpListen { get; set; }

    internal ListenOptions? HttpListen { get; set; }

    internal ListenOptions? FlashPolicyListen { get; set; }

    internal ListenOptions? TcpTlsListen { get; set; }

    internal ListenOptions? HttpsListen { get; set; }

    /// <summary>The Flash policy endpoint, or null if there is none.</summary>
    public IPEndPoint? FlashPolicy => FlashPolicyListen?.IPEndPoint;

    /// <summary>The TCP protocol endpoint, or null if disabled.</summary>
    public IPEndPoint? Tcp => TcpListen?.IPEndPoint;

    /// <summary>The HTTP endpoint, or null if disabled.</summary>
    public IPEndPoint? Http => HttpListen?.IPEndPoint;

    /// <summary>The TCP protocol over TLS (<c>Janus:Tls:TcpPort</c>), or null if there is none.</summary>
    public IPEndPoint? TcpTls => TcpTlsListen?.IPEndPoint;

    /// <summary>HTTP over TLS (<c>Janus:Tls:HttpsPort</c>), or null if there is none.</summary>
    public IPEndPoint? Https => HttpsListen?.IPEndPoint;
}
