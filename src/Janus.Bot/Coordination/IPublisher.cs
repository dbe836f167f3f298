namespace Janus.Bot.Coordination;

/// <summary>Publishes a round's messages. Connections are opened before the round so a publish is just a write.</summary>
internal interface IPublisher : IAsyncDisposable
{
    /// <summary>Gets ready for <paramref name="messages"/> publishes (opens connections).</summary>
    Task PrepareAsync(int messages, CancellationToken cancellationToken);

    /// <summary>Publishes <paramref name="perTopic"/> messages to each topic, back to back.</summary>
    void Publish(IReadOnlyList<string> topics, int perTopic);

    /// <summary>Reads what the server answered and closes what the round used.</summary>
    Task FinishAsync(CancellationToken cancellationToken);
}
