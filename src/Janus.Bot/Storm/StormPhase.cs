namespace Janus.Bot.Storm;

/// <summary>Where a storm client stands.</summary>
internal enum StormPhase : byte
{
    /// <summary>Queued for a connect, or connecting (first, a retry, or a reconnect after a cut).</summary>
    Waiting,

    /// <summary>Connected, PING sent, waiting for the greeting.</summary>
    AwaitGreeting,

    /// <summary>hello and subscribes sent (at setup, or after <c>resumed:false</c>), waiting for every <c>subscribed</c>.</summary>
    AwaitSubscribed,

    /// <summary>resume sent, waiting for <c>resumed</c>.</summary>
    AwaitResumed,

    /// <summary>Subscribed: checking every delivery.</summary>
    Live,

    /// <summary>Cut (or dropped), waiting out the outage before reconnecting.</summary>
    Away,

    /// <summary>Gave up (or, at the end, gone).</summary>
    Failed,

    /// <summary>At the end: <c>bye</c> sent, waiting for the server to close.</summary>
    Leaving,
}
