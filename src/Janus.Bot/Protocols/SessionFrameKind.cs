namespace Janus.Bot.Protocols;

/// <summary>What one JSON frame from a server is, for a client that opted in to sessions (docs/sessions.md).</summary>
internal enum SessionFrameKind
{
    /// <summary><c>{"timestamp":…,"token":"…"}</c>: the greeting, naming the connection's fresh session.</summary>
    Greeting,

    /// <summary><c>{"timestamp":…,"topic":…,…,"offset":N,"epoch":"E"}</c>: a published message with its position.</summary>
    Delivery,

    /// <summary><c>{"hello":{…}}</c>: the answer to <c>hello</c>.</summary>
    Hello,

    /// <summary><c>{"subscribed":"topic","offset":N,"epoch":"E"}</c>: the answer to a subscribe.</summary>
    Subscribed,

    /// <summary><c>{"resumed":…}</c>: the answer to a resume.</summary>
    Resumed,

    /// <summary><c>{"error":…}</c>.</summary>
    Error,

    /// <summary>Anything else (skipped).</summary>
    Other,
}
