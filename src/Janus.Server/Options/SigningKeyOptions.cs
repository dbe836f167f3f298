namespace Janus.Server.Options;

/// <summary>One key a subscribe token may be signed with (<c>Janus:Auth:SigningKeys:N</c>): a secret or a public key file.</summary>
public sealed class SigningKeyOptions
{
    /// <summary>The key id a token names in its <c>kid</c> header, for key rotation. Defaults to none (any token may use it).</summary>
    public string? Id { get; set; }

    /// <summary>An HS256 secret, base64, at least 32 bytes once decoded. A secret: never logged. Defaults to none.</summary>
    public string? Secret { get; set; }

    /// <summary>The path of an RS256 public key (PEM, <c>BEGIN PUBLIC KEY</c> or <c>BEGIN RSA PUBLIC KEY</c>). Defaults to none.</summary>
    public string? PublicKeyFile { get; set; }
}
