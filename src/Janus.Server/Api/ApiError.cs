namespace Janus.Server.Api;

/// <summary>Every 4xx/5xx body of the HTTP endpoints: <c>{"error":"code","reason":"text"}</c>.</summary>
/// <param name="Error">A stable, machine-readable code (e.g. <c>invalid_json</c>).</param>
/// <param name="Reason">What was wrong, for a person.</param>
public sealed record ApiError(string Error, string Reason);
