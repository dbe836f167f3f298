using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Janus.Testing;

/// <summary>
/// A self-signed server certificate made for one test (never checked in), and the files a server reads it from, in a
/// temporary directory that disposing deletes.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(X509Certificate2 certificate, string directory)
    {
        Certificate = certificate;
        Directory = directory;
    }

    /// <summary>The certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The temporary directory the files are written to.</summary>
    public string Directory { get; }

    /// <summary>
    /// Makes a certificate for <paramref name="dnsName"/> and 127.0.0.1 (ECDSA P-256, server authentication, valid from
    /// a minute ago for a day), in a new temporary directory, or in <paramref name="directory"/> when given.
    /// </summary>
    public static TestCertificate Create(string dnsName = "localhost", string? directory = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        directory ??= System.IO.Directory.CreateTempSubdirectory("janus-tls-").FullName;
        return new TestCertificate(certificate, directory);
    }

    /// <summary>Writes the certificate and its key as PEM (<c>cert.pem</c>, <c>key.pem</c>, or one file when <paramref name="keyInSameFile"/>); returns the paths.</summary>
    public (string CertificatePath, string KeyPath) WritePem(bool keyInSameFile = false)
    {
        string certificatePath = Path.Combine(Directory, "cert.pem");
        string keyPem = Certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();
        if (keyInSameFile)
        {
            ReplaceFile(certificatePath, Certificate.ExportCertificatePem() + "\n" + keyPem + "\n");
            return (certificatePath, "");
        }

        string keyPath = Path.Combine(Directory, "key.pem");
        ReplaceFile(keyPath, keyPem + "\n");
        ReplaceFile(certificatePath, Certificate.ExportCertificatePem() + "\n");
        return (certificatePath, keyPath);
    }

    /// <summary>Writes the certificate and key as PKCS#12 (<c>cert.pfx</c>) with <paramref name="password"/>; returns the path.</summary>
    public string WritePfx(string password)
    {
        string path = Path.Combine(Directory, "cert.pfx");
        File.WriteAllBytes(path + ".tmp", Certificate.Export(X509ContentType.Pkcs12, password));
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    /// <summary>
    /// A client-side check that accepts exactly this certificate (pinning) and otherwise applies the usual checks: it
    /// forgives only the chain error of a self-signed certificate, never a name mismatch.
    /// </summary>
    public RemoteCertificateValidationCallback Pin() => (_, certificate, _, errors) =>
        certificate is not null
        && certificate.GetCertHash().AsSpan().SequenceEqual(Certificate.GetCertHash())
        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is not worth failing a test for.
        }
    }

    // A new file under a temporary name, then renamed over the old one, as a certificate renewal tool does: the server
    // never reads a half-written file.
    private static void ReplaceFile(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
