namespace Janus.Bot.Worker;

/// <summary>Where a bot client's socket stands; what it does over the socket is its mode's business.</summary>
internal enum ConnectionState : byte
{
    /// <summary>No socket: not connected yet, queued for a retry, away after a cut, given up, or closed.</summary>
    Idle,

    /// <summary>Non-blocking connect in progress.</summary>
    Connecting,

    /// <summary>Connected: every readable event is a receive.</summary>
    Open,
}
