using Janus.Server.Options;
using Janus.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Janus.Server.Hosting;

/// <summary>
/// Puts the HTTP edge in front of everything else in the pipeline, whatever the host maps afterwards: the
/// forwarded headers of known proxies first (so every later decision sees the real client), then the host and
/// secret-in-URL checks (<see cref="EdgeMiddleware"/>).
/// </summary>
internal sealed class JanusEdgeStartupFilter(IOptions<JanusOptions> options) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        SecurityOptions security = options.Value.Security;
        if (ForwardedHeadersSetup.Create(security) is { } forwarded)
        {
            if (security.ForwardedHeader == ForwardedHeader.Forwarded)
            {
                app.Use(static (HttpContext context, RequestDelegate nextStep) =>
                {
                    Rfc7239Forwarded.Translate(context.Request.Headers);
                    return nextStep(context);
                });
            }

            app.UseForwardedHeaders(forwarded);
        }

        EdgeMiddleware edge = app.ApplicationServices.GetRequiredService<EdgeMiddleware>();
        app.Use(edge.InvokeAsync);
        next(app);
    };
}
