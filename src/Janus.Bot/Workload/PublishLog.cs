namespace Janus.Bot.Workload;

/// <summary>
/// Every message the workload published, by number (1, 2, …, as <see cref="Protocols.MessageNumbering"/> gave them
/// out): its topic and the wall-clock interval of the write that carried it (before it started, after it returned), in
/// unix microseconds, the bot's clock, which its subscribers read too. What <see cref="LossLedger"/> holds the clients'
/// receipts against.
/// </summary>
internal sealed class PublishLog
{
    private readonly List<int> _topics = [];
    private readonly List<long> _before = [];
    private readonly List<long> _after = [];

    /// <summary>Messages logged; the last one's number.</summary>
    public long Count => _topics.Count;

    /// <summary>Logs the next message: number <see cref="Count"/> + 1.</summary>
    public void Add(int topic, long beforeUs, long afterUs)
    {
        _topics.Add(topic);
        _before.Add(beforeUs);
        _after.Add(afterUs);
    }

    public int TopicOf(long number) => _topics[(int)(number - 1)];

    /// <summary>When the write that carried message <paramref name="number"/> began.</summary>
    public long BeforeUs(long number) => _before[(int)(number - 1)];

    /// <summary>When the write that carried message <paramref name="number"/> returned.</summary>
    public long AfterUs(long number) => _after[(int)(number - 1)];

    /// <summary>Messages per topic.</summary>
    public long[] CountsByTopic(int topics)
    {
        long[] counts = new long[topics];
        foreach (int topic in _topics)
        {
            counts[topic]++;
        }

        return counts;
    }

    /// <summary>The numbers published to each topic, ascending: topic t's are <c>Numbers[Starts[t]..Starts[t + 1]]</c>.</summary>
    public (int[] Starts, long[] Numbers) ByTopic(int topics)
    {
        long[] counts = CountsByTopic(topics);
        int[] starts = new int[topics + 1];
        for (int t = 0; t < topics; t++)
        {
            starts[t + 1] = starts[t] + (int)counts[t];
        }

        long[] numbers = new long[_topics.Count];
        int[] next = starts[..topics];
        for (int i = 0; i < _topics.Count; i++)
        {
            numbers[next[_topics[i]]++] = i + 1;
        }

        return (starts, numbers);
    }
}
