using Microsoft.AspNetCore.Builder;

namespace Janus.Server.Hosting;

/// <summary>Maps Janus's HTTP endpoints.</summary>
public static class JanusEndpointRouteBuilderExtensions
{
    /// <summary>Maps the HTTP side of Janus onto the application.</summary>
    public static WebApplication MapJanus(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapJanusWebSockets();
        app.MapJanusHttpApi();
        app.MapJanusObservability();
        app.MapJanusDashboard();
        return app;
    }
}
