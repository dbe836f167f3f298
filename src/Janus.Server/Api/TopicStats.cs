namespace Janus.Server.Api;

/// <summary>A topic and its local subscribers.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Subscribers">Subscribers on this node.</param>
public sealed record TopicStats(string Topic, int Subscribers);
