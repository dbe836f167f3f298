namespace Janus.Server.Options;

/// <summary>
/// TLS ports beside the plain ones: the TCP protocol over TLS (<c>janus-tcps://</c>) and HTTP over TLS (<c>https://</c>,
/// <c>wss://…/ws</c>), with one certificate for both. Off unless a port is set. Only TLS 1.2 and 1.3 are offered.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>
    /// The certificate: a PEM file (<c>-----BEGIN CERTIFICATE-----</c>, the server's certificate first, then any
    /// intermediates; the private key may follow in the same file) or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, key
    /// included). Read again when the file (or <see cref="KeyPath"/>) changes, so a renewed certificate is served to the
    /// next connection without a restart. Defaults to none.
    /// </summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>The PEM private key, when it is not in <see cref="CertificatePath"/>'s file. Defaults to none.</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>
    /// The PKCS#12 file's password, or the password of an encrypted PEM key (<c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>).
    /// Never logged. Defaults to none.
    /// </summary>
    public string Password { get; set; } = "";

    /// <summary>
    /// The port of the TCP protocol over TLS, on <see cref="TcpOptions.Address"/> with the plain port's transport and
    /// backlog; 0 picks a free one. The plain <see cref="TcpOptions.Port"/> stays open beside it unless
    /// <see cref="TcpOptions.Enabled"/> is false. Defaults to none (no TLS TCP port).
    /// </summary>
    public int? TcpPort { get; set; }

    /// <summary>
    /// The port of HTTP over TLS (WebSocket as <c>wss://</c>, the HTTP API, metrics, the dashboard), on
    /// <see cref="HttpOptions.Address"/>; 0 picks a free one. The plain <see cref="HttpOptions.Port"/> stays open
    /// beside it unless <see cref="HttpOptions.Enabled"/> is false. Defaults to none (no HTTPS port).
    /// </summary>
    public int? HttpsPort { get; set; }

    /// <summary>
    /// How long a client may take to complete the TLS handshake before the connection is dropped (a client that
    /// opens a connection and says nothing holds no more than this). Defaults to 10 s.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether any TLS port is configured.</summary>
    internal bool Enabled => TcpPort is not null || HttpsPort is not null;
}
