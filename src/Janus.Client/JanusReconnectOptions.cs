namespace Janus.Client;

/// <summary>
/// How a <see cref="JanusClient"/> comes back after its connection drops: exponential backoff with jitter, bounded,
/// cancelled by <see cref="JanusClient.DisposeAsync"/>.
/// </summary>
public sealed class JanusReconnectOptions
{
    /// <summary>
    /// Reconnect when the connection drops (network failure, server closed or restarted, heartbeat timeout, slow
    /// consumer). A refusal (an error frame such as <c>invalid_topic</c>) is never retried. Defaults to true.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The wait before the first attempt. Defaults to 100 ms.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts; each failed attempt doubles the wait up to this. Defaults to 5 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far each wait is spread at random, as a fraction of it (0.2: ±20 %), so that many clients dropped together
    /// do not come back in one burst. Defaults to 0.2.
    /// </summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Attempts before the client gives up and ends (null: never gives up). Defaults to null.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The wait before attempt <paramref name="attempt"/> (1, 2, …), given a uniform random number in [0, 1).</summary>
    internal TimeSpan GetDelay(int attempt, double random)
    {
        double baseMs = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        baseMs = Math.Min(baseMs, MaxDelay.TotalMilliseconds);
        double spread = baseMs * Jitter * ((2 * random) - 1);
        return TimeSpan.FromMilliseconds(Math.Max(0, baseMs + spread));
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialDelay, TimeSpan.Zero, nameof(InitialDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, InitialDelay, nameof(MaxDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(Jitter, 0, nameof(Jitter));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Jitter, 1, nameof(Jitter));
        if (MaxAttempts is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 0, nameof(MaxAttempts));
        }
    }
}
