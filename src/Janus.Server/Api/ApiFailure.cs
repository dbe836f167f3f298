namespace Janus.Server.Api;

/// <summary>Why a request is refused: the HTTP status and the body's code and reason.</summary>
internal sealed record ApiFailure(int Status, string Code, string Reason);
