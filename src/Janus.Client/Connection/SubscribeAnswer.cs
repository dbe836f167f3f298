using Janus.Protocol;

namespace Janus.Client.Connection;

/// <summary>The server's answer to one subscribe: <c>ACK</c> (no position), or an opted-in connection's <c>subscribed</c>.</summary>
/// <param name="Position">The topic's position when the subscription took effect.</param>
/// <param name="Recovered">For a subscribe with <c>since</c>: whether the history covered the gap.</param>
internal readonly record struct SubscribeAnswer(StreamPosition? Position, bool? Recovered)
{
    /// <summary>A bare <c>ACK</c>.</summary>
    public static SubscribeAnswer Ack => default;

    /// <summary>The subscribe was refused for a protected topic (<c>unauthorized</c> or <c>token_expired</c>).</summary>
    public JanusAuthorizationException? Refusal { get; init; }
}
