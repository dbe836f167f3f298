namespace Janus.Benchmarks;

/// <summary>The sinks told that their queue has data since the last drain; preallocated, so draining allocates nothing.</summary>
internal sealed class ReadyList
{
    private readonly InMemorySink[] _sinks;
    private int _count;

    public ReadyList(int capacity) => _sinks = new InMemorySink[capacity];

    public void Add(InMemorySink sink) => _sinks[_count++] = sink;

    /// <summary>Drains every ready sink and returns how many there were.</summary>
    public int DrainAll()
    {
        int count = _count;
        for (int i = 0; i < count; i++)
        {
            _sinks[i].Drain();
            _sinks[i] = null!;
        }

        _count = 0;
        return count;
    }
}
