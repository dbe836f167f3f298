using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>A publish waiting in a topic's combining list for the thread that is fanning the topic out.</summary>
internal struct PendingPublish
{
    public OutboundMessage Message;
    public TransportKind Source;
    public bool HasOrigin;
    public ErlangTimestamp Origin;

    public PendingPublish(OutboundMessage message, TransportKind source, ErlangTimestamp? origin)
    {
        Message = message;
        Source = source;
        HasOrigin = origin.HasValue;
        Origin = origin.GetValueOrDefault();
    }
}
