using System.Net.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Janus.Server.Transports.Tls;

/// <summary>Puts Kestrel's TLS middleware on a Janus listener, with the certificate and protocols of <see cref="TlsCertificateSource"/>.</summary>
internal static class TlsListenOptionsExtensions
{
    /// <summary>
    /// TLS for the TCP protocol port: <see cref="TlsChannel"/> under Kestrel's TLS middleware (for the close), no ALPN.
    /// Call before the connection handler.
    /// </summary>
    public static ListenOptions UseJanusTcpTls(this ListenOptions listen, TlsCertificateSource certificates, TimeSpan handshakeTimeout)
    {
        listen.Use(TlsChannel.Middleware);
        return listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = static context => new ValueTask<SslServerAuthenticationOptions>(((TlsCertificateSource)context.State!).TcpOptions),
            OnConnectionState = certificates,
            HandshakeTimeout = handshakeTimeout,
        });
    }

    /// <summary>TLS for the HTTPS port (HTTP/1.1, which WebSocket upgrades need).</summary>
    public static ListenOptions UseJanusHttpsTls(this ListenOptions listen, TlsCertificateSource certificates, TimeSpan handshakeTimeout)
    {
        listen.Protocols = HttpProtocols.Http1;
        return listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = static context => new ValueTask<SslServerAuthenticationOptions>(((TlsCertificateSource)context.State!).HttpOptions),
            OnConnectionState = certificates,
            HandshakeTimeout = handshakeTimeout,
        });
    }
}
