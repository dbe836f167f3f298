namespace Janus.Protocol.Client;

/// <summary>
/// <c>{"action":"hello","token":T}</c> (opt in to sessions and present a token at once) or
/// <c>{"action":"auth","token":T}</c> (present a fresh token). The token is a secret: the frame is never logged.
/// </summary>
public readonly struct TokenFrame(bool hello, string token) : IClientFrame
{
    /// <inheritdoc />
    public void WriteTo(CommandWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteTokenAction(hello, token);
    }
}
