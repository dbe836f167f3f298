namespace Janus.Client;

/// <summary>The client's connection changed state (see <see cref="JanusClient.ConnectionStateChanged"/>).</summary>
public sealed class JanusConnectionStateChangedEventArgs(JanusConnectionState state, Exception? error) : EventArgs
{
    /// <summary>The new state.</summary>
    public JanusConnectionState State { get; } = state;

    /// <summary>Why the connection dropped or ended, when it did not end on the application's request.</summary>
    public Exception? Error { get; } = error;
}
