using System.Text.Json.Serialization;

namespace Janus.Server.Api;

/// <summary>Messages published, by the door they came in through.</summary>
/// <param name="Tcp">TCP <c>PUBLISH</c> and publish commands.</param>
/// <param name="WebSocket">WebSocket publish commands.</param>
/// <param name="Http">The HTTP API.</param>
/// <param name="Cluster">Other nodes.</param>
public sealed record PublishCounts(long Tcp, [property: JsonPropertyName("websocket")] long WebSocket, long Http, long Cluster);
