using System.Globalization;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Api;

/// <summary><c>GET /api/topics?limit=N</c>: topics with their local subscriber counts, most subscribers first.</summary>
/// <remarks>
/// One walk over the registry keeps only the best <c>limit</c> topics in a heap: O(topics × log limit) time and
/// O(limit) memory, instead of copying and sorting every topic to answer with a few (100,000 topics and
/// <c>limit=1</c> cost 0.13 s of CPU per request that way). The walk's result is kept and answers the next requests
/// in O(limit) while no subscription changed; while subscriptions change, a new walk is made at most every
/// <see cref="MinWalkInterval"/>, one at a time (requests that waited for it take its result). So however often it
/// is asked, the endpoint costs at most four walks a second, and its answer is at most 250 ms old.
/// </remarks>
internal sealed class TopicsEndpoint
{
    private const int DefaultLimit = 1000;

    /// <summary>The most a request may ask for: 10,000 topics is about 1 MB of JSON at the longest topic names.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>How old an answer may be while subscriptions change.</summary>
    public static readonly TimeSpan MinWalkInterval = TimeSpan.FromMilliseconds(250);

    private readonly TopicRegistry _topics;
    private readonly JanusMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Lock _walk = new();
    private TopTopics? _last;
    private long _walks;

    public TopicsEndpoint(TopicRegistry topics, JanusMetrics metrics, TimeProvider time)
    {
        _topics = topics;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Walks over the registry made since start (for tests: a repeated request must not walk again).</summary>
    internal long Walks => Volatile.Read(ref _walks);

    public Task GetAsync(HttpContext context)
    {
        int limit = DefaultLimit;
        if (context.Request.Query.TryGetValue("limit", out var value)
            && (!int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit < 0 || limit > MaxLimit))
        {
            return ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_query", $"limit must be a whole number from 0 to {MaxLimit}");
        }

        TopTopics last = Current(limit);
        var top = new List<TopicStats>(Math.Min(limit, last.Top.Count));
        for (int i = 0; i < top.Capacity; i++)
        {
            top.Add(last.Top[i]);
        }

        return ApiResponses.WriteAsync(context, StatusCodes.Status200OK, new TopicsResponse(last.Total, last.Subscriptions, top), JanusJsonContext.Default.TopicsResponse);
    }

    /// <summary>The kept walk if it can answer <paramref name="limit"/> now, else a new one.</summary>
    private TopTopics Current(int limit)
    {
        TopTopics? last = Volatile.Read(ref _last);
        if (CanAnswer(last, limit))
        {
            return last!;
        }

        lock (_walk)
        {
            last = _last;
            if (CanAnswer(last, limit))
            {
                return last!;
            }

            // Subscriptions counted before the walk: one that lands during it makes the next request walk again.
            long version = Version();
            long started = _time.GetTimestamp();
            int kept = Math.Max(limit, DefaultLimit);
            List<TopicStats> top = Top(_topics.Subscribed(), kept, out int total, out long subscriptions);
            Interlocked.Increment(ref _walks);
            last = new TopTopics(version, started, kept, total, subscriptions, top);
            Volatile.Write(ref _last, last);
            return last;
        }
    }

    private bool CanAnswer(TopTopics? last, int limit) =>
        last is not null
        && (last.Limit >= limit || last.Top.Count == last.Total)
        && (last.Version == Version() || _time.GetElapsedTime(last.WalkedAt) < MinWalkInterval);

    /// <summary>Changes every time a subscription is added or removed anywhere.</summary>
    private long Version() => _metrics.Subscribes + _metrics.Unsubscribes;

    /// <summary>
    /// The <paramref name="limit"/> topics with the most subscribers, ties by name (ordinal), best first; and the count
    /// and subscriptions of them all.
    /// </summary>
    internal static List<TopicStats> Top(IEnumerable<KeyValuePair<string, int>> topics, int limit, out int total, out long subscriptions)
    {
        total = 0;
        subscriptions = 0;

        // The heap's head is the worst topic kept, the one the next better topic replaces.
        var kept = new PriorityQueue<string, (int Subscribers, string Topic)>(limit, WorstFirst.Instance);
        foreach (KeyValuePair<string, int> topic in topics)
        {
            total++;
            subscriptions += topic.Value;
            if (limit == 0)
            {
                continue;
            }

            (int, string) candidate = (topic.Value, topic.Key);
            if (kept.Count < limit)
            {
                kept.Enqueue(topic.Key, candidate);
            }
            else if (kept.TryPeek(out _, out (int, string) worst) && WorstFirst.Instance.Compare(candidate, worst) > 0)
            {
                kept.DequeueEnqueue(topic.Key, candidate);
            }
        }

        var result = new TopicStats[kept.Count];
        for (int i = result.Length - 1; i >= 0; i--)
        {
            kept.TryDequeue(out string? name, out (int Subscribers, string Topic) priority);
            result[i] = new TopicStats(name!, priority.Subscribers);
        }

        return [.. result];
    }

    /// <summary>One walk's result: the best <see cref="Limit"/> topics, and the count and subscriptions of them all.</summary>
    private sealed record TopTopics(long Version, long WalkedAt, int Limit, int Total, long Subscriptions, List<TopicStats> Top);

    /// <summary>Fewer subscribers first; among equals, the later name (ordinal) first.</summary>
    private sealed class WorstFirst : IComparer<(int Subscribers, string Topic)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((int Subscribers, string Topic) x, (int Subscribers, string Topic) y) =>
            x.Subscribers != y.Subscribers ? x.Subscribers.CompareTo(y.Subscribers) : string.CompareOrdinal(y.Topic, x.Topic);
    }
}
