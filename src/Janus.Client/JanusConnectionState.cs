namespace Janus.Client;

/// <summary>Where a <see cref="JanusClient"/>'s connection stands, as <see cref="JanusClient.ConnectionStateChanged"/> reports it.</summary>
public enum JanusConnectionState
{
    /// <summary>Not connected yet.</summary>
    NotConnected,

    /// <summary>Connected: greeted, opted in to sessions when the server offers them, subscriptions in place.</summary>
    Connected,

    /// <summary>The connection dropped; the client is reconnecting. Calls wait for the new connection.</summary>
    Reconnecting,

    /// <summary>The client has ended for good: disposed, refused by the server, or out of reconnect attempts.</summary>
    Closed,
}
