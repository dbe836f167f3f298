using System.Net;
using Janus.Bot.Protocols;

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

    /// <summary>The publisher of <c>test</c>'s rounds: Janus as the original bot (a connection per message), Redis over <paramref name="publishers"/> connections, NATS over one.</summary>
    static IPublisher ForRounds(BotProtocol protocol, IPEndPoint server, int publishers = 1) => protocol switch
    {
        BotProtocol.Redis => new RedisPublisher(server, publishers),
        BotProtocol.Nats => new NatsPublisher(server),
        _ => new JanusPublisher(server),
    };

    /// <summary>
    /// A publisher for a steady stream of messages (a round is whatever is due at a tick): Janus over one kept
    /// connection; any other protocol its round publisher, which keeps one connection already.
    /// </summary>
    static IPublisher ForStream(BotProtocol protocol, IPEndPoint server) =>
        protocol == BotProtocol.Janus ? new JanusStreamPublisher(server) : ForRounds(protocol, server);
}
