using Janus.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Janus.Server.Hosting;

/// <summary>
/// Puts the HTTP edge in front of everything else in the pipeline, whatever the host maps afterwards: the
/// forwarded headers of known proxies first (so every later decision sees the real client), then the host and
/// secret-in-URL checks (<see cref="EdgeMiddleware"/>).
/// </summary>
internal sealed class JanusEdgeStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // One middleware for the forwarded headers (when proxies are configured) and the checks, in that order.
        EdgeMiddleware edge = app.ApplicationServices.GetRequiredService<EdgeMiddleware>();
        app.Use(edge.InvokeAsync);
        next(app);
    };
}
