using System.Security.Cryptography;
using System.Text;
using Janus.Server.Options;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// The configured API keys (<see cref="SecurityOptions.ApiKeys"/>, and the scoped <see cref="SecurityOptions.PublishKeys"/>)
/// and the check of a presented one. Keys are kept as
/// SHA-256 hashes and a presented key is hashed and compared with every one in constant time, so neither the
/// comparison nor the key lengths leak through timing.
/// </summary>
public sealed class ApiKeys
{
    private const string BearerPrefix = "Bearer ";

    private readonly byte[][] _hashes;

    // One per hash: null for a plain key (any topic), the topics of a scoped one.
    private readonly PublishScope?[] _scopes;

    /// <summary>Reads the configured keys.</summary>
    public ApiKeys(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] keys = options.Value.Security.ApiKeys;
        List<PublishKeyOptions> scoped = options.Value.Security.PublishKeys;
        _hashes = new byte[keys.Length + scoped.Count][];
        _scopes = new PublishScope?[_hashes.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            _hashes[i] = SHA256.HashData(Encoding.UTF8.GetBytes(keys[i]));
        }

        for (int i = 0; i < scoped.Count; i++)
        {
            var patterns = new TopicPattern[scoped[i].Topics.Length];
            for (int j = 0; j < patterns.Length; j++)
            {
                patterns[j] = TopicPattern.TryParse(scoped[i].Topics[j], allowSubject: false, out TopicPattern? pattern, out string? error)
                    ? pattern
                    : throw new OptionsValidationException(nameof(SecurityOptions), typeof(SecurityOptions), [$"Janus:Security:PublishKeys:{i}:Topics:{j}: {error}."]);
            }

            _hashes[keys.Length + i] = SHA256.HashData(Encoding.UTF8.GetBytes(scoped[i].Key));
            _scopes[keys.Length + i] = new PublishScope(patterns);
        }
    }

    /// <summary>Whether any key is configured at all.</summary>
    public bool AnyConfigured => _hashes.Length > 0;

    /// <summary>Whether <paramref name="presented"/> is one of the configured keys.</summary>
    public bool IsValid(string presented) => TryMatch(presented, out _);

    /// <summary>
    /// Whether <paramref name="presented"/> is one of the configured keys; <paramref name="scope"/> is then the topics it
    /// may publish to, or null for a plain key (any topic).
    /// </summary>
    public bool TryMatch(string presented, out PublishScope? scope)
    {
        ArgumentNullException.ThrowIfNull(presented);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        bool match = false;
        scope = null;
        for (int i = 0; i < _hashes.Length; i++)
        {
            // No early exit: every key is compared whatever matched before.
            bool equal = CryptographicOperations.FixedTimeEquals(_hashes[i], hash);
            if (equal && !match)
            {
                scope = _scopes[i];
            }

            match |= equal;
        }

        return match;
    }

    /// <summary>
    /// Reads <c>Authorization: Bearer &lt;key&gt;</c>. Returns false when the header is absent; when it is present
    /// but not a bearer token, returns true with a null <paramref name="key"/>.
    /// </summary>
    public static bool TryReadBearer(string? authorization, out string? key)
    {
        key = null;
        if (string.IsNullOrEmpty(authorization))
        {
            return false;
        }

        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string value = authorization[BearerPrefix.Length..].Trim();
            key = value.Length > 0 ? value : null;
        }

        return true;
    }
}
