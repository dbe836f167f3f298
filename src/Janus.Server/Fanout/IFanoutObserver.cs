namespace Janus.Server.Fanout;

/// <summary>
/// Told what each publish's fan-out did, for counting. Owned by Fanout so that the engine depends on this seam and not
/// on whoever counts (the metrics implement it; Fanout never imports them). Called once per publish, outside every
/// fan-out lock; an implementation must not block.
/// </summary>
public interface IFanoutObserver : IOutboundMessageObserver
{
    /// <summary>A publish accepted from <paramref name="source"/> was fanned out (or handed on to be fanned out later).</summary>
    void PublishFannedOut(TransportKind source, in FanoutCounts counts, double enqueueMilliseconds);

    /// <summary>A publish counted when it was accepted was fanned out (in a cluster: when it came back from Redis).</summary>
    void FannedOut(in FanoutCounts counts, double enqueueMilliseconds);
}
