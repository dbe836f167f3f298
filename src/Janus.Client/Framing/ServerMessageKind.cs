namespace Janus.Client.Framing;

/// <summary>What a JSON message from the server is, judged from its keys.</summary>
internal enum ServerMessageKind
{
    /// <summary>A JSON object this client does not know; ignored, so newer servers can add messages.</summary>
    Other,

    /// <summary><c>{"timestamp":[M,S,U],"token":"…"}</c>, the first message on a connection.</summary>
    Greeting,

    /// <summary><c>{"timestamp":[M,S,U],"topic":T,"event":E,"message_id":MID,"data":D}</c>.</summary>
    Delivery,

    /// <summary><c>{"error":"code","reason":"…"}</c>; the server closes the connection after it.</summary>
    Error,
}
