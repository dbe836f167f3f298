using Janus.Server.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Janus.Server.Health;

/// <summary>Writes a health report as JSON: the overall status and each check's.</summary>
internal static class HealthResponseWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var checks = new Dictionary<string, HealthCheckResponse>(report.Entries.Count, StringComparer.Ordinal);
        foreach (KeyValuePair<string, HealthReportEntry> entry in report.Entries)
        {
            checks[entry.Key] = new HealthCheckResponse(entry.Value.Status.ToString(), entry.Value.Description ?? entry.Value.Exception?.Message, Math.Round(entry.Value.Duration.TotalMilliseconds, 3));
        }

        // The status code is already set by the health check middleware (200, or 503 when unhealthy).
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new HealthReportResponse(report.Status.ToString(), checks), JanusJsonContext.Default.HealthReportResponse, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }
}
