namespace Janus.Server.Api;

/// <summary>What one message did on one topic.</summary>
/// <param name="Topic">The topic published to.</param>
/// <param name="Subscribers">Local subscribers the message was offered to.</param>
/// <param name="Deliveries">Local subscribers that queued it (the others were cut as slow consumers).</param>
/// <param name="Timestamp">The <c>[Mega,Secs,Micro]</c> timestamp every subscriber receives with it.</param>
public sealed record PublishResult(string Topic, int Subscribers, int Deliveries, long[] Timestamp);
