namespace Janus.Bot.Protocols;

/// <summary>What one message from the server is, as far as the bot cares.</summary>
internal enum ServerMessageKind
{
    /// <summary>The buffer holds no complete message yet.</summary>
    Incomplete,

    /// <summary>A JSON object: the greeting before the subscribe, a delivery after.</summary>
    Json,

    /// <summary>The subscribe is registered (Janus <c>ACK</c>, Redis <c>subscribe</c> reply).</summary>
    Subscribed,

    /// <summary>A published message; its payload starts with the timestamp.</summary>
    Delivery,

    /// <summary>A heartbeat to answer.</summary>
    Ping,

    /// <summary>The server refused something.</summary>
    Error,

    /// <summary>Anything else; skipped.</summary>
    Other,

    /// <summary>The bytes can never form a valid message.</summary>
    Malformed,
}
