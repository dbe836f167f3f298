namespace Janus.Server.Limits;

/// <summary>
/// A token bucket in <see cref="Heartbeat.JanusClock"/> units, holding at most one second's worth of tokens: a rate of
/// N per second allows a burst of N, then N a second. A plain struct with no lock and no allocation; its owner
/// serializes access (a connection's reader, or the lock of an address's entry).
/// </summary>
internal struct TokenBucket
{
    private double _tokens;
    private long _refilled;
    private bool _started;

    /// <summary>Takes one token if there is one, refilling first for the time since the last call.</summary>
    public bool TryTake(long now, double perSecond, long unitsPerSecond)
    {
        Refill(now, perSecond, unitsPerSecond);
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }

    /// <summary>Whether the bucket would be full at <paramref name="now"/> (so forgetting it loses nothing).</summary>
    public readonly bool IsFullAt(long now, double perSecond, long unitsPerSecond) =>
        !_started || _tokens + ((now - _refilled) * perSecond / unitsPerSecond) >= Capacity(perSecond);

    private void Refill(long now, double perSecond, long unitsPerSecond)
    {
        double capacity = Capacity(perSecond);
        if (!_started)
        {
            _started = true;
            _tokens = capacity;
            _refilled = now;
            return;
        }

        if (now > _refilled)
        {
            _tokens = Math.Min(capacity, _tokens + ((now - _refilled) * perSecond / unitsPerSecond));
            _refilled = now;
        }
    }

    private static double Capacity(double perSecond) => Math.Max(1, perSecond);
}
