namespace Janus.Protocol;

/// <summary>Where one JSON value sits inside the frame it was parsed from (raw bytes, quotes included for strings).</summary>
public readonly record struct JsonValueRange(int Start, int Length)
{
    /// <summary>Whether the value was present at all.</summary>
    public bool IsPresent => Length > 0;

    /// <summary>The raw bytes of the value inside <paramref name="source"/>.</summary>
    public ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> source) => source.Slice(Start, Length);
}
