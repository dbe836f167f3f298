namespace Janus.Bot.Worker;

/// <summary>
/// The wall clock in unix microseconds: the same clock the server stamps messages with, so latency = receipt − stamp
/// holds across processes on this machine.
/// </summary>
internal static class WallClock
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    public static long NowMicroseconds() => (DateTime.UtcNow.Ticks - EpochTicks) / 10;

    public static long NowMilliseconds() => (DateTime.UtcNow.Ticks - EpochTicks) / TimeSpan.TicksPerMillisecond;
}
