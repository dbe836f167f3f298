namespace Janus.Protocol.Client;

/// <summary><c>{"action":"hello"}</c> (opt in to sessions) or <c>{"action":"bye"}</c> (end the session on purpose).</summary>
public readonly struct SessionFrame(bool hello) : IClientFrame
{
    /// <summary>The <c>hello</c> frame.</summary>
    public static SessionFrame Hello => new(hello: true);

    /// <summary>The <c>bye</c> frame.</summary>
    public static SessionFrame Bye => new(hello: false);

    /// <inheritdoc />
    public void WriteTo(CommandWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteSessionAction(hello);
    }
}
