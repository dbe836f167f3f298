using System.Text.Json;

namespace Janus.Server.Api;

/// <summary>
/// One validated message for one topic, its values still the raw JSON of the request (so the publisher's bytes reach
/// subscribers verbatim, as they do from TCP and WebSocket). An absent value is <see cref="JsonValueKind.Undefined"/>.
/// </summary>
internal readonly record struct PublishItem(string Topic, JsonElement TopicJson, JsonElement Event, JsonElement MessageId, JsonElement Data);
