namespace Janus.Bot.Worker;

/// <summary>Where a <c>test</c> client stands, in the order the original flashbot went through them.</summary>
internal enum ClientPhase : byte
{
    /// <summary>Not connected yet (queued, connecting, or waiting for a retry).</summary>
    Waiting,

    /// <summary>Connected, PING sent, waiting for the greeting with the token.</summary>
    AwaitGreeting,

    /// <summary>Subscribe sent, waiting for the ACK.</summary>
    AwaitAck,

    /// <summary>Subscribed: counting deliveries.</summary>
    Subscribed,

    /// <summary>Gave up during setup.</summary>
    Failed,

    /// <summary>The connection closed after the client had subscribed.</summary>
    Closed,
}
