namespace Janus.Server.Fanout;

/// <summary>One queue's membership of one topic. It remembers its slot so that leaving a topic is O(1).</summary>
public sealed class Subscription
{
    internal Subscription(Topic topic, OutboundQueue queue)
    {
        Topic = topic;
        Queue = queue;
    }

    /// <summary>The topic subscribed to.</summary>
    public Topic Topic { get; }

    /// <summary>Where the topic's messages go.</summary>
    public OutboundQueue Queue { get; }

    /// <summary>The slot in the topic stripe; changed only under that stripe's lock.</summary>
    internal int Slot { get; set; } = -1;
}
