namespace Janus.Server.Api;

/// <summary>One health check's outcome.</summary>
/// <param name="Status">Healthy, Degraded or Unhealthy.</param>
/// <param name="Description">What the check found.</param>
/// <param name="DurationMs">How long it took.</param>
public sealed record HealthCheckResponse(string Status, string? Description, double DurationMs);
