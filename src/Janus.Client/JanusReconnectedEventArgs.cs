namespace Janus.Client;

/// <summary>
/// The client is connected again after a drop, and says what it recovered (see <see cref="JanusClient.Reconnected"/>).
/// </summary>
public sealed class JanusReconnectedEventArgs : EventArgs
{
    internal JanusReconnectedEventArgs(int attempts, bool resumed, string? reason, IReadOnlyList<JanusTopicRecovery> topics)
    {
        Attempts = attempts;
        Resumed = resumed;
        Reason = reason;
        Topics = topics;
        Recovered = topics.All(t => t.Recovered);
    }

    /// <summary>How many attempts it took (1 when the first one succeeded).</summary>
    public int Attempts { get; }

    /// <summary>
    /// True when the server took the old session back (<c>resumed:true</c>): its subscriptions and the messages it
    /// queued meanwhile. False when the client had to subscribe again (the session had expired or overflowed, or the
    /// server has no sessions).
    /// </summary>
    public bool Resumed { get; }

    /// <summary>True when every topic was recovered: the application missed nothing.</summary>
    public bool Recovered { get; }

    /// <summary>Why the resume failed (<c>expired</c>, <c>overflowed</c>, or <c>unsupported</c> for a server without sessions); null after a resume.</summary>
    public string? Reason { get; }

    /// <summary>Each subscribed topic and whether it was recovered.</summary>
    public IReadOnlyList<JanusTopicRecovery> Topics { get; }
}
