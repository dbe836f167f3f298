namespace Janus.Protocol.Client;

/// <summary>A bare keyword frame: <c>PING</c>, <c>PONG</c>, or the <c>&lt;regular-socket/&gt;</c> prefix.</summary>
public readonly struct KeywordFrame(KeywordFrame.Keyword keyword) : IClientFrame
{
    /// <summary>The keywords a client sends on its own.</summary>
    public enum Keyword
    {
        /// <summary><c>&lt;regular-socket/&gt;</c></summary>
        RegularSocket,

        /// <summary><c>PING</c></summary>
        Ping,

        /// <summary><c>PONG</c></summary>
        Pong,
    }

    /// <inheritdoc />
    public void WriteTo(CommandWriter writer) => writer.WriteKeyword(keyword);
}
