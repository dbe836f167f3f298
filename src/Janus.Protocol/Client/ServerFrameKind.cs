namespace Janus.Protocol.Client;

/// <summary>What one server message is, judged from its first bytes by <see cref="ServerFrames.Classify"/>.</summary>
public enum ServerFrameKind
{
    /// <summary>Zero bytes (two delimiters in a row); ignored.</summary>
    Empty,

    /// <summary><c>ACK</c>: a legacy client's subscribe is registered.</summary>
    Ack,

    /// <summary><c>PING</c>: the server's heartbeat, answered with <c>PONG</c>.</summary>
    Ping,

    /// <summary><c>{"timestamp":[M,S,U],"token":…}</c>: the first message on a connection.</summary>
    Greeting,

    /// <summary><c>{"timestamp":[M,S,U],"topic":T,…}</c>: a published message (any timestamp-first object but the greeting).</summary>
    Delivery,

    /// <summary><c>{"hello":{…}}</c>: the answer to <c>hello</c>.</summary>
    Hello,

    /// <summary><c>{"subscribed":T,"offset":N,"epoch":E[,"recovered":B]}</c>: an opted-in client's subscribe answer.</summary>
    Subscribed,

    /// <summary><c>{"resumed":B,…}</c>: the answer to <c>resume</c>.</summary>
    Resumed,

    /// <summary><c>{"error":"code",…}</c>; the server closes the connection after it.</summary>
    Error,

    /// <summary>Another JSON object (or one whose keys are in an order Janus does not write).</summary>
    OtherJson,

    /// <summary>Neither a keyword nor a JSON object.</summary>
    Unknown,
}
