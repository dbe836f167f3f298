using System.Security.Cryptography;
using System.Text;
using Janus.Server.Options;
using Microsoft.Extensions.Options;

namespace Janus.Server.Security;

/// <summary>
/// The read-only keys (<see cref="SecurityOptions.ReadKeys"/>), kept as SHA-256 hashes and compared in constant time
/// as <see cref="ApiKeys"/> does.
/// </summary>
public sealed class ReadKeys
{
    private readonly byte[][] _hashes;

    /// <summary>Reads the configured keys.</summary>
    public ReadKeys(IOptions<JanusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _hashes = Array.ConvertAll(options.Value.Security.ReadKeys, static key => SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Whether any read key is configured.</summary>
    public bool AnyConfigured => _hashes.Length > 0;

    /// <summary>Whether <paramref name="presented"/> is one of the read keys.</summary>
    public bool IsValid(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        bool match = false;
        foreach (byte[] candidate in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(candidate, hash);
        }

        return match;
    }
}
