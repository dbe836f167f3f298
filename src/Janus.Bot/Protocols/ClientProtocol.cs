namespace Janus.Bot.Protocols;

/// <summary>
/// The bytes a bot client sends and how it cuts what it receives into messages. Implementations are stateless and
/// allocate nothing per message: they only find boundaries and classify.
/// </summary>
internal abstract class ClientProtocol
{
    /// <summary>Whether the server greets first and the subscribe waits for the greeting.</summary>
    public abstract bool WaitsForGreeting { get; }

    /// <summary>Sent as soon as the connection is up (Janus: PING, as the original; Redis: SUBSCRIBE).</summary>
    public abstract byte[] Hello(string topic);

    /// <summary>Sent on the greeting (Janus only).</summary>
    public abstract byte[] Subscribe(string topic);

    /// <summary>The answer to a heartbeat.</summary>
    public abstract byte[] Pong { get; }

    /// <summary>
    /// Reads the message at the start of <paramref name="data"/>: its kind, how many bytes it takes, and where its
    /// payload (the JSON) lies inside it.
    /// </summary>
    public abstract ServerMessageKind Read(ReadOnlySpan<byte> data, out int consumed, out int payloadStart, out int payloadLength);

    public static ClientProtocol For(BotProtocol protocol) => protocol switch
    {
        BotProtocol.Janus => JanusClientProtocol.Instance,
        BotProtocol.Redis => RedisClientProtocol.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };
}
