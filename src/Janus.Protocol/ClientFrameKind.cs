namespace Janus.Protocol;

/// <summary>What a NUL-terminated client frame is, judged from its bytes alone.</summary>
public enum ClientFrameKind
{
    /// <summary>Zero bytes (two delimiters in a row); ignored.</summary>
    Empty,

    /// <summary>The Flash-era <c>&lt;regular-socket/&gt;</c> prefix; ignored.</summary>
    RegularSocketPrefix,

    /// <summary><c>&lt;policy-file-request/&gt;</c>: answer with the cross-domain policy.</summary>
    PolicyFileRequest,

    /// <summary><c>PING</c>: liveness only.</summary>
    Ping,

    /// <summary><c>PONG</c>: liveness only.</summary>
    Pong,

    /// <summary><c>PUBLISH</c>: a JSON publish body follows.</summary>
    Publish,

    /// <summary>A frame that starts with <c>{</c>: a JSON command.</summary>
    Json,

    /// <summary>Anything else.</summary>
    Unknown,
}
