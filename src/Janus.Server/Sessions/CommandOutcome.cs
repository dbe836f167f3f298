namespace Janus.Server.Sessions;

/// <summary>What executing a client command left for the transport to do.</summary>
public enum CommandOutcome
{
    /// <summary>Done, nothing sent: the transport applies its acknowledgement policy (TCP: ACK a subscribe; WebSocket: ACK every command).</summary>
    Done,

    /// <summary>Done, and the session sent its own answer (hello, a positioned subscribe, resume): no ACK.</summary>
    Answered,

    /// <summary>The connection is closing (an error frame is on its way, or the client said bye): stop reading.</summary>
    Stop,
}
