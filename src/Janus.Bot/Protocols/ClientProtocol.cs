using System.Buffers;
using Janus.Protocol.Client;

namespace Janus.Bot.Protocols;

/// <summary>
/// The bytes a bot client sends and how it cuts what it receives into messages: the Janus wire (from Janus.Protocol,
/// shared with Janus.Client) or Redis pub/sub. Implementations are stateless and allocate nothing per message: they
/// only find boundaries and classify.
/// </summary>
internal abstract class ClientProtocol
{
    /// <summary>Whether the server greets first and the subscribe waits for the greeting.</summary>
    public abstract bool WaitsForGreeting { get; }

    /// <summary>Sent as soon as the connection is up (Janus: PING, as the original; Redis: SUBSCRIBE; NATS: nothing, it waits for INFO).</summary>
    public abstract byte[] Hello(string topic);

    /// <summary>Sent on the greeting (Janus; NATS: CONNECT, SUB and PING on the INFO).</summary>
    public abstract byte[] Subscribe(string topic);

    /// <summary>The answer to a heartbeat.</summary>
    public abstract byte[] Pong { get; }

    /// <summary>
    /// Reads the message at the start of <paramref name="data"/>: <see cref="OperationStatus.Done"/> with its kind, how
    /// many bytes it takes, and where its payload (the JSON) lies inside it; <see cref="OperationStatus.NeedMoreData"/>
    /// when it is not all there yet; <see cref="OperationStatus.InvalidData"/> when the bytes can never form a message.
    /// </summary>
    public abstract OperationStatus Read(ReadOnlySpan<byte> data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength);

    public static ClientProtocol For(BotProtocol protocol) => protocol switch
    {
        BotProtocol.Janus => JanusClientProtocol.Instance,
        BotProtocol.Redis => RedisClientProtocol.Instance,
        BotProtocol.Nats => NatsClientProtocol.Instance,
        BotProtocol.WebSocket => WebSocketClientProtocol.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>Copies <paramref name="source"/> to the start of <paramref name="destination"/>; returns its length (for the writers' running position).</summary>
    protected static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
