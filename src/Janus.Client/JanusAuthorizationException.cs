using Janus.Protocol;

namespace Janus.Client;

/// <summary>
/// The server refused a protected topic, or ended its subscription: <c>{"error":"unauthorized"|"token_expired",
/// "reason":"…","topic":T}</c> (docs/security.md#authorization). The connection and every other topic stay; the
/// subscription's stream ends with this exception. Subscribing again needs a token that allows the topic.
/// </summary>
public sealed class JanusAuthorizationException : JanusException
{
    /// <summary>Creates the exception for a topic error.</summary>
    /// <param name="topic">The topic refused or ended.</param>
    /// <param name="code">The wire code, <c>unauthorized</c> or <c>token_expired</c>.</param>
    /// <param name="reason">The server's human explanation (may be empty).</param>
    public JanusAuthorizationException(string topic, string code, string reason)
        : base($"The Janus server refused topic '{topic}' with '{code}': {reason}")
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(code);
        Topic = topic;
        Code = code;
        Reason = reason ?? string.Empty;
        Error = ProtocolErrors.TryParseCode(code, out ProtocolError error) ? error : ProtocolError.None;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The error: <see cref="ProtocolError.Unauthorized"/> or <see cref="ProtocolError.TokenExpired"/>.</summary>
    public ProtocolError Error { get; }

    /// <summary>The wire code exactly as the server sent it.</summary>
    public string Code { get; }

    /// <summary>The server's human explanation.</summary>
    public string Reason { get; }
}
