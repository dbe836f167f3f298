namespace Janus.Server.Api;

/// <summary>Messages in and out since start.</summary>
/// <param name="Published">Messages in: publishes accepted, all transports (one per topic).</param>
/// <param name="Delivered">Messages out: deliveries queued to subscribers (one per subscriber per publish).</param>
/// <param name="PublishedBy">Messages in, by transport.</param>
public sealed record MessageCounts(long Published, long Delivered, PublishCounts PublishedBy);
