namespace Janus.Bot.Protocols;

/// <summary>Which server the bot talks to.</summary>
internal enum BotProtocol
{
    /// <summary>The Janus TCP protocol, as the original bot spoke it.</summary>
    Janus,

    /// <summary>Redis pub/sub over RESP, carrying the same timestamped JSON, for side-by-side figures.</summary>
    Redis,

    /// <summary>Core NATS pub/sub (a hand-written client protocol), carrying the same timestamped JSON.</summary>
    Nats,

    /// <summary>The Janus protocol over WebSocket (the HTTP port's <c>/ws</c>), raw RFC 6455.</summary>
    WebSocket,
}
