using Janus.Protocol;

namespace Janus.Client.Connection;

/// <summary>The server's answer to <c>hello</c> or <c>resume</c> (docs/sessions.md).</summary>
internal sealed class SessionAnswer
{
    /// <summary>True for the answer to <c>hello</c>; false for the answer to <c>resume</c>.</summary>
    public bool IsHello { get; init; }

    /// <summary><c>resumed</c>: the connection now carries the old session.</summary>
    public bool Resumed { get; init; }

    /// <summary><c>reason</c> of a failed resume (<c>expired</c>, <c>overflowed</c>).</summary>
    public string? Reason { get; init; }

    /// <summary><c>topics</c>: each topic's position and <c>recovered</c> flag.</summary>
    public IReadOnlyList<(string Topic, StreamPosition? Position, bool? Recovered)> Topics { get; init; } = [];
}
