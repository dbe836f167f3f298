namespace Janus.Server.Fanout;

/// <summary>Told when the last subscriber has written a published message, to measure publish-to-last-write latency.</summary>
public interface IOutboundMessageObserver
{
    /// <summary>Called once, by whichever thread released the last reference.</summary>
    void OnLastWrite(OutboundMessage message);
}
