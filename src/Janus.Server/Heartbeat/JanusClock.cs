namespace Janus.Server.Heartbeat;

/// <summary>
/// A coarse clock for activity stamps, advanced by the heartbeat tick (as Kestrel's heartbeat does), so that the read
/// and write paths stamp activity with one memory read instead of a clock call.
/// </summary>
public sealed class JanusClock
{
    private readonly TimeProvider _time;
    private long _now;

    /// <summary>Starts the clock at the provider's current timestamp.</summary>
    public JanusClock(TimeProvider time)
    {
        _time = time;
        _now = time.GetTimestamp();
    }

    /// <summary>The time source (also used for wall-clock timestamps).</summary>
    public TimeProvider Time => _time;

    /// <summary>The provider timestamp as of the last tick.</summary>
    public long Now => Volatile.Read(ref _now);

    /// <summary>Converts a duration into provider timestamp units.</summary>
    public long ToTimestampUnits(TimeSpan duration) => (long)(duration.TotalSeconds * _time.TimestampFrequency);

    /// <summary>Reads the provider and returns the new coarse time.</summary>
    public long Tick()
    {
        long now = _time.GetTimestamp();
        Volatile.Write(ref _now, now);
        return now;
    }
}
