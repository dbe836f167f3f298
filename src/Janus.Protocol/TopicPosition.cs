namespace Janus.Protocol;

/// <summary>
/// A position in a topic's numbering (docs/sessions.md): "everything up to and including <see cref="Offset"/> of
/// <see cref="Epoch"/>". Offset 0 means nothing yet. Positions of different epochs are not comparable.
/// </summary>
/// <param name="Offset">The last offset received (1, 2, 3, … with no gap within an epoch).</param>
/// <param name="Epoch">The opaque epoch string; it changes when the topic's numbering starts again.</param>
public readonly record struct TopicPosition(long Offset, string Epoch)
{
    /// <summary>Whether <paramref name="offset"/> of <paramref name="epoch"/> is at or before this position (already had).</summary>
    public bool Covers(long offset, string? epoch) => offset <= Offset && string.Equals(epoch, Epoch, StringComparison.Ordinal);

    /// <summary>The position as the wire writes it, <c>{"offset":N,"epoch":"E"}</c>.</summary>
    public override string ToString() => $"{{\"offset\":{Offset},\"epoch\":\"{Epoch}\"}}";
}
