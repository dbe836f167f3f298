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

    /// <summary>Where the topic's messages go; changes only when a resume moves the subscription to another session's queue.</summary>
    public OutboundQueue Queue { get; internal set; }

    /// <summary>The stripe the subscription was added to (chosen by the first queue's id, kept when the queue changes).</summary>
    internal TopicStripe? Stripe { get; set; }

    /// <summary>The slot in the topic stripe; changed only under that stripe's lock.</summary>
    internal int Slot { get; set; } = -1;
}
