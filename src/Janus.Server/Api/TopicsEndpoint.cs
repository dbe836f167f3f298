using System.Globalization;
using Janus.Server.Fanout;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Api;

/// <summary><c>GET /api/topics?limit=N</c>: topics with their local subscriber counts, most subscribers first.</summary>
internal sealed class TopicsEndpoint
{
    private const int DefaultLimit = 1000;
    private const int MaxLimit = 100_000;

    private readonly TopicRegistry _topics;

    public TopicsEndpoint(TopicRegistry topics) => _topics = topics;

    public Task GetAsync(HttpContext context)
    {
        int limit = DefaultLimit;
        if (context.Request.Query.TryGetValue("limit", out var value)
            && (!int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit < 0 || limit > MaxLimit))
        {
            return ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_query", $"limit must be a whole number from 0 to {MaxLimit}");
        }

        IReadOnlyList<KeyValuePair<string, int>> snapshot = _topics.Snapshot();
        var all = new List<TopicStats>(snapshot.Count);
        long subscriptions = 0;
        foreach (KeyValuePair<string, int> topic in snapshot)
        {
            all.Add(new TopicStats(topic.Key, topic.Value));
            subscriptions += topic.Value;
        }

        all.Sort(static (a, b) => a.Subscribers != b.Subscribers ? b.Subscribers.CompareTo(a.Subscribers) : string.CompareOrdinal(a.Topic, b.Topic));
        if (all.Count > limit)
        {
            all.RemoveRange(limit, all.Count - limit);
        }

        return ApiResponses.WriteAsync(context, StatusCodes.Status200OK, new TopicsResponse(snapshot.Count, subscriptions, all), JanusJsonContext.Default.TopicsResponse);
    }
}
