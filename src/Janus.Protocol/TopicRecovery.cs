namespace Janus.Protocol;

/// <summary>One topic of a resume answer: where the topic stands now and whether the client's gap was filled.</summary>
/// <param name="Topic">The topic name.</param>
/// <param name="Position">The topic's current position.</param>
/// <param name="Recovered">Whether everything after the client's position follows; null when not asked (a failed resume).</param>
public readonly record struct TopicRecovery(string Topic, StreamPosition Position, bool? Recovered);
