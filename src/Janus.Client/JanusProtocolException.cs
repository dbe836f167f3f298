using Janus.Protocol;

namespace Janus.Client;

/// <summary>
/// The server refused something and closed the connection with an error frame,
/// <c>{"error":"&lt;code&gt;","reason":"…"}</c>. <see cref="Error"/> says why (for example
/// <see cref="ProtocolError.InvalidTopic"/> for a topic past the server's length limit).
/// </summary>
public sealed class JanusProtocolException : JanusConnectionClosedException
{
    /// <summary>Creates the exception for an error frame with the given wire code and reason.</summary>
    /// <param name="code">The wire code, e.g. <c>invalid_topic</c>.</param>
    /// <param name="reason">The server's human explanation (may be empty).</param>
    public JanusProtocolException(string code, string reason)
        : base(FormatMessage(code, reason))
    {
        ArgumentNullException.ThrowIfNull(code);
        Code = code;
        Reason = reason ?? string.Empty;
        Error = ProtocolErrors.TryParseCode(code, out ProtocolError error) ? error : ProtocolError.None;
    }

    /// <summary>
    /// The error, mapped from <see cref="Code"/>. <see cref="ProtocolError.None"/> when the server sent a code this
    /// client does not know (read <see cref="Code"/> then).
    /// </summary>
    public ProtocolError Error { get; }

    /// <summary>The wire code exactly as the server sent it, e.g. <c>invalid_topic</c>.</summary>
    public string Code { get; }

    /// <summary>The server's human explanation, e.g. "the topic must be a non-empty string within the length limit".</summary>
    public string Reason { get; }

    /// <inheritdoc />
    internal override JanusConnectionClosedException Recreate() => new JanusProtocolException(Code, Reason);

    private static string FormatMessage(string code, string reason) =>
        string.IsNullOrEmpty(code)
            ? "The Janus server closed the connection with an error."
            : $"The Janus server closed the connection with error '{code}': {reason}";
}
