namespace Janus.Bot.Workload;

/// <summary>Where a workload client stands.</summary>
internal enum WorkloadPhase : byte
{
    /// <summary>Queued for a connect, or connecting.</summary>
    Connecting,

    /// <summary>Connected; waiting for the server's greeting before subscribing (Janus).</summary>
    AwaitGreeting,

    /// <summary>Subscribes sent; waiting for one acknowledgement per topic.</summary>
    AwaitAcks,

    /// <summary>Every topic acknowledged: every message published to them from now on is due.</summary>
    Live,

    /// <summary>Leaving (churn): nothing published from now on is due; still reading for the linger, then closing.</summary>
    Leaving,

    /// <summary>Left, dropped, or done at the end of the run.</summary>
    Gone,

    /// <summary>Given up (setup failed, or a newcomer could not connect).</summary>
    Failed,
}
