using System.Text.Json.Serialization;

namespace Janus.Server.Api;

/// <summary>A count per client transport.</summary>
/// <param name="Tcp">The original TCP protocol.</param>
/// <param name="WebSocket">The WebSocket endpoint.</param>
/// <param name="Total">Both.</param>
public sealed record TransportCounts(long Tcp, [property: JsonPropertyName("websocket")] long WebSocket, long Total);
