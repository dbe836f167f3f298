using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Janus.Server.Hosting;

/// <summary>Maps Janus's HTTP endpoints.</summary>
public static class JanusEndpointRouteBuilderExtensions
{
    /// <summary>Maps the HTTP side of Janus onto the application.</summary>
    public static WebApplication MapJanus(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", static () => Results.Text("ok"));
        return app;
    }
}
