using System.Security.Cryptography;
using Janus.Server.Options;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Janus.Server.Security;

/// <summary>
/// Validates a subscribe token (a JWT signed with HS256 or RS256 by one of <see cref="AuthOptions.SigningKeys"/>) with
/// Microsoft.IdentityModel.JsonWebTokens, and turns it into a <see cref="SubscribeGrant"/>: subject, allowed topic
/// patterns, expiry. The token itself is never kept nor logged, and a refusal does not say which check failed.
/// </summary>
/// <remarks>
/// Signature, algorithm, issuer and audience are the library's checks; lifetime (<c>exp</c> required, <c>nbf</c> if
/// present) is checked here against the injected <see cref="TimeProvider"/>, the clock the expiry sweep uses too.
/// </remarks>
public sealed class TokenValidator
{
    /// <summary>At most this many patterns in a token's topics claim.</summary>
    public const int MaxTopicPatterns = 256;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;
    private readonly TimeProvider _time;
    private readonly TimeSpan _skew;
    private readonly string _topicsClaim;
    private readonly int _maxLength;

    /// <summary>Reads the keys (a PEM file is read once, here).</summary>
    public TokenValidator(IOptions<JanusOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        AuthOptions auth = options.Value.Auth;
        _time = time;
        _skew = auth.ClockSkew;
        _topicsClaim = auth.TopicsClaim;
        _maxLength = auth.MaxTokenLength;
        var keys = new List<SecurityKey>();
        foreach (SigningKeyOptions key in auth.SigningKeys)
        {
            keys.Add(CreateKey(key));
        }

        Enabled = keys.Count > 0;
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ValidateIssuer = auth.Issuer is not null,
            ValidIssuer = auth.Issuer,
            ValidateAudience = auth.Audience is not null,
            ValidAudience = auth.Audience,
            ValidateLifetime = false,
            RequireExpirationTime = false,
        };
    }

    /// <summary>Whether any signing key is configured (otherwise every token is refused).</summary>
    public bool Enabled { get; }

    /// <summary>Builds the security key a <see cref="SigningKeyOptions"/> describes; throws if it is not usable.</summary>
    public static SecurityKey CreateKey(SigningKeyOptions key)
    {
        ArgumentNullException.ThrowIfNull(key);
        SecurityKey created;
        if (!string.IsNullOrEmpty(key.Secret))
        {
            created = new SymmetricSecurityKey(Convert.FromBase64String(key.Secret));
        }
        else if (!string.IsNullOrEmpty(key.PublicKeyFile))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(File.ReadAllText(key.PublicKeyFile));
            created = new RsaSecurityKey(rsa);
        }
        else
        {
            throw new InvalidOperationException("a signing key needs Secret or PublicKeyFile");
        }

        if (!string.IsNullOrEmpty(key.Id))
        {
            created.KeyId = key.Id;
        }

        return created;
    }

    /// <summary>
    /// Validates <paramref name="token"/>; on success <paramref name="grant"/> says what it allows. False for anything
    /// wrong: not a JWT, a bad signature or algorithm, the wrong issuer or audience, no <c>exp</c>, expired or not yet
    /// valid, no <c>sub</c>, or a topics claim that is not a list of valid patterns.
    /// </summary>
    public bool TryValidate(string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SubscribeGrant? grant)
    {
        ArgumentNullException.ThrowIfNull(token);
        grant = null;
        if (!Enabled || token.Length == 0 || token.Length > _maxLength)
        {
            return false;
        }

        // With configured keys nothing here waits on I/O (no metadata to fetch): the task is complete when returned,
        // so the transport's reader thread is not blocked.
        TokenValidationResult result = _handler.ValidateTokenAsync(token, _parameters).GetAwaiter().GetResult();
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (!jwt.TryGetPayloadValue("exp", out long exp))
        {
            return false;
        }

        DateTimeOffset expires = DateTimeOffset.FromUnixTimeSeconds(exp);
        if (now >= expires + _skew)
        {
            return false;
        }

        if (jwt.TryGetPayloadValue("nbf", out long nbf) && now + _skew < DateTimeOffset.FromUnixTimeSeconds(nbf))
        {
            return false;
        }

        if (!jwt.TryGetPayloadValue("sub", out string? subject) || string.IsNullOrEmpty(subject))
        {
            return false;
        }

        if (!TryReadTopics(jwt, out List<TopicPattern>? topics))
        {
            return false;
        }

        grant = new SubscribeGrant(subject, topics, expires, expires + _skew);
        return true;
    }

    private bool TryReadTopics(JsonWebToken jwt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<TopicPattern>? topics)
    {
        // The library gives an array claim as one claim per element, and a string claim as one claim: both are read
        // the same way. A string may hold several patterns separated by spaces (the way OAuth writes scopes).
        topics = [];
        foreach (System.Security.Claims.Claim claim in jwt.Claims)
        {
            if (!string.Equals(claim.Type, _topicsClaim, StringComparison.Ordinal))
            {
                continue;
            }

            if (claim.ValueType != System.Security.Claims.ClaimValueTypes.String)
            {
                return false;
            }

            foreach (string text in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (topics.Count == MaxTopicPatterns || !TopicPattern.TryParse(text, allowSubject: true, out TopicPattern? pattern, out _))
                {
                    return false;
                }

                topics.Add(pattern);
            }
        }

        return true;
    }
}
