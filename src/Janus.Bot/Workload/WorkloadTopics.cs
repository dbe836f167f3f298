namespace Janus.Bot.Workload;

/// <summary>
/// A workload's topics and who holds which, as a pure function of the <see cref="WorkloadSpec"/> and the client's
/// number, so the coordinator and every worker derive the same without telling each other:
/// <list type="bullet">
/// <item>Mixed: topics <c>mixed-0</c> … <c>mixed-{T-1}</c>, topic i of Zipf rank i. Client c holds a count of topics
/// drawn uniformly from [min, max], each drawn by Zipf's law over rank, without repeats (its own seeded
/// <see cref="Random"/>). A publish goes to a topic drawn by the same law.</item>
/// <item>Centrifugo: client c holds its personal topic <c>user-c</c> and its group's <c>group-{c / size}</c>. A publish
/// goes to a personal topic (uniformly) with the personal share's probability, else to a group (uniformly). A client
/// that leaves is replaced by a newcomer with the same two topics, so groups keep their size.</item>
/// </list>
/// </summary>
internal sealed class WorkloadTopics
{
    /// <summary>Draws per topic a mixed client may spend on repeats before taking the lowest ranks it lacks.</summary>
    private const int MaxDrawsPerTopic = 64;

    private readonly WorkloadSpec _spec;
    private readonly ZipfSampler? _zipf;
    private readonly int _groups;

    private WorkloadTopics(WorkloadSpec spec)
    {
        _spec = spec;
        if (spec.Shape == WorkloadShape.Mixed)
        {
            _zipf = new ZipfSampler(Math.Max(1, spec.Topics), spec.Exponent);
            Names = [.. Enumerable.Range(0, _zipf.Count).Select(t => $"mixed-{t}")];
            MaxPerClient = Math.Clamp(spec.MaxTopicsPerClient, 1, _zipf.Count);
        }
        else
        {
            int size = Math.Max(1, spec.GroupSize);
            _groups = (spec.Clients + size - 1) / size;
            Names = [.. Enumerable.Range(0, spec.Clients).Select(c => $"user-{c}"), .. Enumerable.Range(0, _groups).Select(g => $"group-{g}")];
            MaxPerClient = 2;
        }
    }

    /// <summary>Every topic's name, by index.</summary>
    public string[] Names { get; }

    public int Count => Names.Length;

    /// <summary>The most topics one client holds.</summary>
    public int MaxPerClient { get; }

    public static WorkloadTopics For(WorkloadSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new WorkloadTopics(spec);
    }

    /// <summary>Writes the topics client <paramref name="client"/> holds into <paramref name="destination"/> (at least <see cref="MaxPerClient"/> long); returns how many.</summary>
    public int TopicsOf(int client, Span<int> destination)
    {
        if (_zipf is null)
        {
            destination[0] = client;
            destination[1] = _spec.Clients + (client / Math.Max(1, _spec.GroupSize));
            return 2;
        }

        var random = new Random(unchecked((_spec.Seed * 1_000_003) + (client * 7_919) + 17));
        int min = Math.Clamp(_spec.MinTopicsPerClient, 1, MaxPerClient);
        int count = min + random.Next(MaxPerClient - min + 1);
        int held = 0;
        for (int draws = 0; held < count && draws < MaxDrawsPerTopic * count; draws++)
        {
            int topic = _zipf.Sample(random);
            if (!destination[..held].Contains(topic))
            {
                destination[held++] = topic;
            }
        }

        // A steep law over few topics can keep drawing the same ranks: the rest are the most popular ones it lacks.
        for (int topic = 0; held < count; topic++)
        {
            if (!destination[..held].Contains(topic))
            {
                destination[held++] = topic;
            }
        }

        return count;
    }

    /// <summary>The topic of the next publish.</summary>
    public int NextPublishTopic(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (_zipf is not null)
        {
            return _zipf.Sample(random);
        }

        return random.NextDouble() < _spec.PersonalShare
            ? random.Next(_spec.Clients)
            : _spec.Clients + random.Next(_groups);
    }
}
