namespace Janus.Server.Api;

/// <summary>Bytes on client connections since start.</summary>
/// <param name="Sent">Written to clients.</param>
/// <param name="Received">Read from clients.</param>
public sealed record ByteCounts(long Sent, long Received);
