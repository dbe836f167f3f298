namespace Janus.Protocol.Client;

/// <summary>What a JSON message from the server is, judged from its keys.</summary>
public enum ServerMessageKind
{
    /// <summary>A JSON object this client does not know; ignored, so newer servers can add messages.</summary>
    Other,

    /// <summary><c>{"timestamp":[M,S,U],"token":"…"}</c>, the first message on a connection.</summary>
    Greeting,

    /// <summary><c>{"timestamp":[M,S,U],"topic":T,"event":E,"message_id":MID,"data":D}</c>.</summary>
    Delivery,

    /// <summary><c>{"error":"code","reason":"…"}</c>; the server closes the connection after it.</summary>
    Error,

    /// <summary><c>{"hello":{…}}</c>: the answer to <c>hello</c> (docs/sessions.md).</summary>
    Hello,

    /// <summary><c>{"subscribed":T,"offset":N,"epoch":E[,"recovered":B]}</c>: an opted-in connection's answer to a subscribe.</summary>
    Subscribed,

    /// <summary><c>{"resumed":B,"recovered":B[,"reason":R],"topics":{…}}</c>: the answer to <c>resume</c>.</summary>
    Resumed,
}
