using System.Text.Json.Serialization;

namespace Janus.Server.Api;

/// <summary>A count per client transport, and the dashboard pages' own connections apart.</summary>
/// <param name="Tcp">The original TCP protocol.</param>
/// <param name="WebSocket">The WebSocket endpoint (client connections).</param>
/// <param name="Total">Client connections: TCP and WebSocket, not the dashboards'.</param>
/// <param name="Dashboard">Dashboard pages' own WebSocket connections (<c>/ws?dashboard=1</c>), not in <paramref name="Total"/>.</param>
public sealed record TransportCounts(long Tcp, [property: JsonPropertyName("websocket")] long WebSocket, long Total, long Dashboard);
