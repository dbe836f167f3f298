using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Api;

/// <summary>Writes JSON responses with the source-generated serializers (no reflection).</summary>
internal static class ApiResponses
{
    public static Task WriteErrorAsync(HttpContext context, int status, string code, string reason) =>
        WriteAsync(context, status, new ApiError(code, reason), JanusJsonContext.Default.ApiError);

    public static Task WriteAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        return response.WriteAsJsonAsync(value, typeInfo, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }
}
