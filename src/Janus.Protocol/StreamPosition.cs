namespace Janus.Protocol;

/// <summary>
/// A place in a topic's numbered stream: "everything up to and including <see cref="Offset"/> of
/// <see cref="Epoch"/>" (docs/sessions.md). Offsets start at 1; 0 means nothing yet. Positions of different epochs
/// are not comparable.
/// </summary>
public readonly record struct StreamPosition(long Offset, string Epoch);
