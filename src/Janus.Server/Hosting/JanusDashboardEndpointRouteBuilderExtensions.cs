using Janus.Server.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Janus.Server.Hosting;

/// <summary>Maps the live dashboard (<c>/</c>) and the browser client (<c>/janus.js</c>, <c>/janus.mjs</c>).</summary>
public static class JanusDashboardEndpointRouteBuilderExtensions
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// Maps every file embedded from <c>wwwroot/</c> at its own path (<c>index.html</c> at <c>/</c>, the page's assets
    /// under <c>/dashboard/</c>), GET and HEAD, with ETags and gzip. Each file is one exact route, so nothing else
    /// (<c>/ws</c>, <c>/api/*</c>, <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>) is shadowed, and an unknown path
    /// is still a 404.
    /// </summary>
    public static IEndpointRouteBuilder MapJanusDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (StaticAsset asset in StaticAssets.Default.All)
        {
            endpoints.MapMethods(asset.Route, GetAndHead, (RequestDelegate)asset.ServeAsync)
                .WithDisplayName("Janus static " + asset.Route);
        }

        return endpoints;
    }
}
