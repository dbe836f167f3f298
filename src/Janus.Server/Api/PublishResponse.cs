namespace Janus.Server.Api;

/// <summary>The answer to <c>POST /api/publish</c>.</summary>
/// <param name="Published">Messages published, one per topic.</param>
/// <param name="Deliveries">Deliveries queued on this node, all messages together.</param>
/// <param name="Results">One entry per message and topic, in request order.</param>
public sealed record PublishResponse(int Published, long Deliveries, IReadOnlyList<PublishResult> Results);
