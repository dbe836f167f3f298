using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// A message whose position another authority assigned (in a cluster whose history lives in Redis: the offset and
/// epoch Redis gave it), waiting with the ones after it on its topic's channel to be fanned out as one batch
/// (<see cref="FanoutEngine.PublishAt(ReadOnlySpan{char}, Span{PositionedPublish})"/>).
/// </summary>
/// <param name="Message">The message, its body written; the batch takes over one of the caller's references.</param>
/// <param name="Source">Where it was accepted, or null when this node counted it when it accepted it.</param>
/// <param name="Timestamp">The origin's timestamp.</param>
/// <param name="Offset">The offset assigned.</param>
/// <param name="Epoch">The epoch assigned.</param>
public readonly record struct PositionedPublish(OutboundMessage Message, TransportKind? Source, ErlangTimestamp Timestamp, long Offset, string Epoch);
