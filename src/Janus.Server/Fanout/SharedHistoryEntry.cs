using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>One message of a shared history: its offset, the origin's timestamp and the encoded delivery body.</summary>
public sealed record SharedHistoryEntry(long Offset, ErlangTimestamp Timestamp, ReadOnlyMemory<byte> Body);
