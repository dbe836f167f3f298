namespace Janus.Bot.Storm;

/// <summary>
/// One storm client's session state beside its <see cref="Worker.ConnectionSlot"/>, held by value in its loop's array
/// (its topics' cursors and token live in arrays beside it).
/// </summary>
internal struct StormClient
{
    public StormPhase Phase;

    /// <summary>The global index of its first topic; it holds <c>TopicsPerClient</c> topics from there, wrapping.</summary>
    public int FirstTopic;

    /// <summary>Whether the current connection is a comeback (resume) rather than the first setup.</summary>
    public bool Returning;

    /// <summary><c>subscribed</c> answers still expected on this connection.</summary>
    public int AwaitingAnswers;

    /// <summary>The episode (cut round, 0 for a drop the bot did not cause) the client is coming back from.</summary>
    public int Episode;

    /// <summary>When it was cut or dropped (unix µs), and when it may reconnect.</summary>
    public long CutAtUs;
    public long ReturnAtUs;

    /// <summary>Whether it has its answer, and whether it has caught up, in the current episode.</summary>
    public bool Resumed;
    public bool CaughtUp;
}
