using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Janus.Server.Logging;
using Janus.Server.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Transports.Tls;

/// <summary>
/// The server certificate of both TLS ports (<see cref="TlsOptions"/>), as ready-made handshake options, read again
/// when its files change.
/// </summary>
/// <remarks>
/// <para>Reload: every handshake compares the files' modification time and size with those of the loaded ones (one
/// <c>stat</c> per file, microseconds against the handshake's milliseconds), so a renewed certificate is served to
/// the next connection, with no watcher thread and no signal. A file that does not load (written half-way, a key
/// that does not match the certificate yet) keeps the previous certificate in service; it is tried again when the
/// files change again.</para>
/// <para>The handshake options are built once per certificate and shared by every connection (SslStream copies what
/// it needs), with the chain context built up front so a handshake builds no chain.</para>
/// </remarks>
public sealed class TlsCertificateSource : IDisposable
{
    /// <summary>TLS 1.2 and 1.3 only: 1.0 and 1.1 are deprecated (RFC 8996).</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private readonly TlsOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _reloadLock = new();
    private Loaded _current;
    private FileStamp _failed;

    /// <summary>Loads the configured certificate; throws <see cref="InvalidOperationException"/> naming the setting if it cannot.</summary>
    public TlsCertificateSource(IOptions<JanusOptions> options, ILogger<TlsCertificateSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Tls;
        _logger = logger;
        FileStamp stamp = FileStamp.Read(_options);
        try
        {
            _current = Load(_options, stamp);
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            throw new InvalidOperationException($"Janus:Tls:CertificatePath: cannot load a certificate with a private key from '{_options.CertificatePath}'{(_options.KeyPath.Length > 0 ? $" and '{_options.KeyPath}'" : "")}: {ex.Message}", ex);
        }

        LogLoaded(_current.Certificate);
    }

    /// <summary>The certificate being served.</summary>
    public X509Certificate2 Certificate => Current().Certificate;

    /// <summary>Handshake options for the TCP protocol port (no ALPN).</summary>
    public SslServerAuthenticationOptions TcpOptions => Current().Tcp;

    /// <summary>Handshake options for the HTTPS port (ALPN <c>http/1.1</c>: WebSocket upgrades need HTTP/1.1).</summary>
    public SslServerAuthenticationOptions HttpOptions => Current().Http;

    /// <inheritdoc />
    public void Dispose() => _current.Certificate.Dispose();

    private Loaded Current()
    {
        Loaded current = Volatile.Read(ref _current);
        FileStamp stamp = FileStamp.Read(_options);
        if (stamp == current.Stamp || stamp == _failed)
        {
            return current;
        }

        lock (_reloadLock)
        {
            current = _current;
            if (stamp == current.Stamp || stamp == _failed)
            {
                return current;
            }

            try
            {
                Loaded loaded = Load(_options, stamp);
                Volatile.Write(ref _current, loaded);
                LogLoaded(loaded.Certificate);

                // The old certificate is not disposed: a handshake that took it a moment ago may still be using it.
                return loaded;
            }
            catch (Exception ex) when (IsLoadFailure(ex))
            {
                _failed = stamp;
                Log.TlsCertificateReloadFailed(_logger, _options.CertificatePath, ex.Message);
                return current;
            }
        }
    }

    private void LogLoaded(X509Certificate2 certificate)
    {
        Log.TlsCertificateLoaded(_logger, _options.CertificatePath, certificate.Subject, certificate.NotAfter.ToUniversalTime(), certificate.Thumbprint);
        if (certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow.AddDays(7))
        {
            Log.TlsCertificateExpiring(_logger, certificate.Subject, certificate.NotAfter.ToUniversalTime());
        }
    }

    private static bool IsLoadFailure(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or InvalidOperationException;

    private static Loaded Load(TlsOptions options, FileStamp stamp)
    {
        byte[] bytes = File.ReadAllBytes(options.CertificatePath);
        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        if (IsPem(bytes))
        {
            string certificatePem = Encoding.ASCII.GetString(bytes);
            if (options.KeyPath.Length == 0 && !certificatePem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            {
                throw new CryptographicException("the file holds no private key; set Janus:Tls:KeyPath to the key's file");
            }

            string keyPem = options.KeyPath.Length > 0 ? File.ReadAllText(options.KeyPath) : certificatePem;
            certificate = options.Password.Length > 0
                ? X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, options.Password)
                : X509Certificate2.CreateFromPem(certificatePem, keyPem);

            // Intermediates follow the server's certificate in the same file, as nginx and Let's Encrypt's fullchain.pem have them.
            chain.ImportFromPem(certificatePem);
            if (chain.Count > 0)
            {
                chain.RemoveAt(0);
            }
        }
        else
        {
            X509Certificate2Collection all = X509CertificateLoader.LoadPkcs12Collection(bytes, options.Password);
            X509Certificate2? withKey = null;
            foreach (X509Certificate2 candidate in all)
            {
                if (withKey is null && candidate.HasPrivateKey)
                {
                    withKey = candidate;
                }
                else
                {
                    chain.Add(candidate);
                }
            }

            certificate = withKey ?? throw new CryptographicException("the PKCS#12 file holds no certificate with a private key");
        }

        if (!certificate.HasPrivateKey)
        {
            throw new CryptographicException("the certificate has no private key");
        }

        // offline: the chain is what the files hold; never fetch intermediates from the network at start-up.
        var context = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        return new Loaded(certificate, stamp, CreateOptions(context, http: false), CreateOptions(context, http: true));
    }

    private static SslServerAuthenticationOptions CreateOptions(SslStreamCertificateContext context, bool http) => new()
    {
        ServerCertificateContext = context,
        EnabledSslProtocols = Protocols,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

        // Set even when empty: Kestrel offers h2 and http/1.1 by ALPN when a callback leaves it null.
        ApplicationProtocols = http ? [SslApplicationProtocol.Http11] : [],
    };

    private static bool IsPem(ReadOnlySpan<byte> bytes) => bytes.IndexOf("-----BEGIN "u8) >= 0;

    private sealed record Loaded(X509Certificate2 Certificate, FileStamp Stamp, SslServerAuthenticationOptions Tcp, SslServerAuthenticationOptions Http);

    /// <summary>What says that the files changed: each one's modification time and size.</summary>
    private readonly record struct FileStamp(DateTime CertificateTime, long CertificateLength, DateTime KeyTime, long KeyLength)
    {
        public static FileStamp Read(TlsOptions options)
        {
            (DateTime certificateTime, long certificateLength) = Stat(options.CertificatePath);
            (DateTime keyTime, long keyLength) = options.KeyPath.Length > 0 ? Stat(options.KeyPath) : default;
            return new FileStamp(certificateTime, certificateLength, keyTime, keyLength);
        }

        private static (DateTime, long) Stat(string path)
        {
            var file = new FileInfo(path);
            return file.Exists ? (file.LastWriteTimeUtc, file.Length) : default;
        }
    }
}
