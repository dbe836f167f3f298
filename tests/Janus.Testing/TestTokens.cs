using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Janus.Testing;

/// <summary>
/// Subscribe tokens (JWT) made in the test with a key generated for it: an HS256 secret, or an RSA key pair whose
/// public half is written to a PEM file for <c>Janus:Auth:SigningKeys:N:PublicKeyFile</c>.
/// </summary>
public sealed class TestTokens : IDisposable
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials;
    private readonly RSA? _rsa;

    private TestTokens(SigningCredentials credentials, string? secret, RSA? rsa, string? publicKeyFile)
    {
        _credentials = credentials;
        Secret = secret;
        _rsa = rsa;
        PublicKeyFile = publicKeyFile;
    }

    /// <summary>The HS256 secret, base64 (null for RS256).</summary>
    public string? Secret { get; }

    /// <summary>The RS256 public key's PEM file (null for HS256).</summary>
    public string? PublicKeyFile { get; }

    /// <summary>A fresh random HS256 secret.</summary>
    public static TestTokens Hs256() => Hs256(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Tokens signed with the HS256 secret <paramref name="secret"/> (base64).</summary>
    public static TestTokens Hs256(string secret) =>
        new(new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(secret)), SecurityAlgorithms.HmacSha256), secret, null, null);

    /// <summary>A fresh RSA key pair: tokens signed RS256, the public key in a temporary PEM file.</summary>
    public static TestTokens Rs256()
    {
        var rsa = RSA.Create(2048);
        string file = Path.Combine(Path.GetTempPath(), "janus-test-" + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(file, rsa.ExportSubjectPublicKeyInfoPem());
        return new TestTokens(new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256), null, rsa, file);
    }

    /// <summary>The server settings that accept these tokens, with <paramref name="protectedPatterns"/> protected.</summary>
    public Dictionary<string, string?> Settings(params string[] protectedPatterns)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Janus:Auth:ClockSkew"] = "00:00:00",
        };
        if (Secret is not null)
        {
            settings["Janus:Auth:SigningKeys:0:Secret"] = Secret;
        }
        else
        {
            settings["Janus:Auth:SigningKeys:0:PublicKeyFile"] = PublicKeyFile;
        }

        for (int i = 0; i < protectedPatterns.Length; i++)
        {
            settings[$"Janus:Auth:Protected:{i}"] = protectedPatterns[i];
        }

        return settings;
    }

    /// <summary>A signed token for <paramref name="subject"/> allowing <paramref name="topics"/> (no claim when null) until <paramref name="expires"/>.</summary>
    public string Create(string? subject, string[]? topics, DateTimeOffset expires, string? issuer = null, string? audience = null, IDictionary<string, object>? extraClaims = null)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        if (topics is not null)
        {
            claims["topics"] = topics;
        }

        if (extraClaims is not null)
        {
            foreach (KeyValuePair<string, object> claim in extraClaims)
            {
                claims[claim.Key] = claim.Value;
            }
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Expires = expires.UtcDateTime,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = _credentials,
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        if (PublicKeyFile is not null)
        {
            File.Delete(PublicKeyFile);
        }
    }
}
