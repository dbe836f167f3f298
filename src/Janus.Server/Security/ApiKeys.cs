using System.Security.Cryptography;
using System.Text;
using Janus.Server.Options;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// The configured API keys (<see cref="SecurityOptions.ApiKeys"/>) and the check of a presented one. Keys are kept as
/// SHA-256 hashes and a presented key is hashed and compared with every one in constant time, so neither the
/// comparison nor the key lengths leak through timing.
/// </summary>
public sealed class ApiKeys
{
    private const string BearerPrefix = "Bearer ";

    private readonly byte[][] _hashes;

    /// <summary>Reads the configured keys.</summary>
    public ApiKeys(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] keys = options.Value.Security.ApiKeys;
        _hashes = new byte[keys.Length][];
        for (int i = 0; i < keys.Length; i++)
        {
            _hashes[i] = SHA256.HashData(Encoding.UTF8.GetBytes(keys[i]));
        }
    }

    /// <summary>Whether any key is configured at all.</summary>
    public bool AnyConfigured => _hashes.Length > 0;

    /// <summary>Whether <paramref name="presented"/> is one of the configured keys.</summary>
    public bool IsValid(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        bool match = false;
        foreach (byte[] candidate in _hashes)
        {
            // No early exit: every key is compared whatever matched before.
            match |= CryptographicOperations.FixedTimeEquals(candidate, hash);
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
