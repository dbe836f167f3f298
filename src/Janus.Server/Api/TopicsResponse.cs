namespace Janus.Server.Api;

/// <summary>The answer to <c>GET /api/topics</c>.</summary>
/// <param name="Total">Topics with subscribers on this node.</param>
/// <param name="Subscriptions">Subscriptions over all of them.</param>
/// <param name="Topics">The topics, most subscribers first (at most <c>limit</c>).</param>
public sealed record TopicsResponse(int Total, long Subscriptions, IReadOnlyList<TopicStats> Topics);
