using System.Text.Json;

namespace Janus.Protocol.Client;

/// <summary>
/// Turns JSON strings into <see cref="string"/>s without allocating for the ones seen before. A client sees few
/// distinct topics and event names, each thousands of times, so each becomes one string for the life of the
/// connection. Bounded, so a server that sends a fresh name per message costs one string each and no growth.
/// Not thread-safe: only the receive loop uses it.
/// </summary>
public sealed class Utf8StringCache
{
    private const int MaxCachedLength = 256;

    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _capacity;

    /// <summary>Creates a cache that holds at most <paramref name="capacity"/> strings.</summary>
    public Utf8StringCache(int capacity)
    {
        _capacity = capacity;
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The number of strings held.</summary>
    public int Count => _strings.Count;

    /// <summary>The string token the reader is on, unescaped.</summary>
    public string GetString(ref Utf8JsonReader reader)
    {
        // Unescaped, a JSON string has at most as many UTF-16 chars as it has UTF-8 bytes.
        long maxChars = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (maxChars > MaxCachedLength)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxCachedLength];
        ReadOnlySpan<char> value = chars[..reader.CopyString(chars)];
        if (_lookup.TryGetValue(value, out string? cached))
        {
            return cached;
        }

        string created = value.ToString();
        if (_strings.Count < _capacity)
        {
            _strings.Add(created);
        }

        return created;
    }
}
