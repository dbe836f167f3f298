namespace Janus.Server.Api;

/// <summary>The body of <c>/healthz</c> and <c>/readyz</c>.</summary>
/// <param name="Status">Healthy, Degraded or Unhealthy.</param>
/// <param name="Checks">Each check that ran, by name.</param>
public sealed record HealthReportResponse(string Status, IReadOnlyDictionary<string, HealthCheckResponse> Checks);
