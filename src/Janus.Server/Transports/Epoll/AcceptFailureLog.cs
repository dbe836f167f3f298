namespace Janus.Server.Transports.Epoll;

/// <summary>
/// Which failed accepts are worth a log line. Out of descriptors, the listener retries every 100 ms for as long as it
/// lasts: a line per retry would be ten a second. One line when an episode starts, one a minute while it goes on, and
/// one when it ends (the backlog is empty: everyone who waited is in).
/// </summary>
/// <remarks>Not thread-safe: Kestrel's accept loop calls the listener one accept at a time, and the inline loops share one under the listener's lock.</remarks>
internal struct AcceptFailureLog
{
    /// <summary>Retries between two lines while an episode lasts (a minute at one retry per 100 ms).</summary>
    public const int RetriesPerLine = 600;

    private int _failures;

    /// <summary>Counts a failed accept; true when this one is to be logged.</summary>
    public bool OnFailure() => _failures++ % RetriesPerLine == 0;

    /// <summary>The episode ended: the number of failures it had (0 if there was none).</summary>
    public int OnSuccess()
    {
        int failures = _failures;
        _failures = 0;
        return failures;
    }

    /// <summary>Failures so far in the current episode.</summary>
    public readonly int Failures => _failures;
}
