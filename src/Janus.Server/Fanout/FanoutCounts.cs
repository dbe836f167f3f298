namespace Janus.Server.Fanout;

/// <summary>What one publish did.</summary>
/// <param name="Subscribers">Queues the message was offered to.</param>
/// <param name="Delivered">Queues that took it.</param>
/// <param name="Overflowed">Queues it pushed past their bound (slow consumers).</param>
public readonly record struct FanoutCounts(int Subscribers, int Delivered, int Overflowed);
