using Janus.Protocol;

namespace Janus.Client;

/// <summary>What became of one topic when the client came back (see <see cref="JanusReconnectedEventArgs"/>).</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Recovered">
/// True when nothing published to the topic while the client was away is missing: the session was resumed, or the
/// topic's history reached back to the client's last position. False when messages may have been missed.
/// </param>
/// <param name="Position">The client's position in the topic after the restore, when the server numbers messages.</param>
public sealed record JanusTopicRecovery(string Topic, bool Recovered, StreamPosition? Position);
