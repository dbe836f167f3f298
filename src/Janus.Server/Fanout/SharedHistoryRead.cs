using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// A topic's position in the shared store and, for a read from a position, whether the store still held everything
/// after it (<see cref="Recovered"/>; null without a position) and those messages, oldest first.
/// </summary>
public sealed record SharedHistoryRead(StreamPosition Current, bool? Recovered, IReadOnlyList<SharedHistoryEntry> Entries);
