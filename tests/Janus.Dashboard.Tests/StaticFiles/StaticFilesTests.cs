using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Janus.Testing;

namespace Janus.Dashboard.Tests.StaticFiles;

/// <summary>
/// The dashboard's files as HTTP sees them: paths, content types, caching, compression, and that they leave the rest
/// of Janus's endpoints alone.
/// </summary>
public sealed partial class StaticFilesTests : IAsyncLifetime
{
    /// <summary>No automatic decompression: the tests look at what is on the wire.</summary>
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });

    private JanusTestServer _server = null!;

    public async Task InitializeAsync() => _server = await JanusTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [GeneratedRegex("(?:src|href)=\"(/[^\"]*)\"")]
    private static partial Regex LocalReference();

    [GeneratedRegex("(?:from|import) \"(\\./[^\"]+|/[^\"]+)\"")]
    private static partial Regex ModuleImport();

    private async Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage>? configure = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(_server.HttpBaseAddress, path));
        configure?.Invoke(request);
        return await Http.SendAsync(request);
    }

    [Theory]
    [InlineData("/", "text/html; charset=utf-8")]
    [InlineData("/janus.js", "text/javascript; charset=utf-8")]
    [InlineData("/janus.mjs", "text/javascript; charset=utf-8")]
    [InlineData("/dashboard/dashboard.js", "text/javascript; charset=utf-8")]
    [InlineData("/dashboard/charts.js", "text/javascript; charset=utf-8")]
    [InlineData("/dashboard/format.js", "text/javascript; charset=utf-8")]
    [InlineData("/dashboard/watch.js", "text/javascript; charset=utf-8")]
    [InlineData("/dashboard/dashboard.css", "text/css; charset=utf-8")]
    [InlineData("/dashboard/favicon.svg", "image/svg+xml")]
    public async Task Each_file_is_served_with_its_content_type_an_etag_and_revalidation(string path, string contentType)
    {
        using HttpResponseMessage response = await GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.ToString());
        Assert.True(response.Headers.CacheControl!.NoCache);
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        EntityTagHeaderValue etag = response.Headers.ETag!;
        Assert.False(etag.IsWeak);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(response.Content.Headers.ContentLength, body.Length);
        Assert.NotEmpty(body);

        // Asked again with the tag: 304 and no body.
        using HttpResponseMessage again = await GetAsync(path, request => request.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, again.Headers.ETag);

        // A stale tag gets the file.
        using HttpResponseMessage stale = await GetAsync(path, request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"old\"")));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(body, await stale.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Text_files_are_gzipped_for_clients_that_accept_it_with_a_tag_of_their_own()
    {
        using HttpResponseMessage plain = await GetAsync("/janus.js");
        byte[] plainBytes = await plain.Content.ReadAsByteArrayAsync();
        using HttpResponseMessage zipped = await GetAsync("/janus.js", request => request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br"));

        Assert.Equal(["gzip"], zipped.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", zipped.Headers.Vary);
        Assert.Contains("Accept-Encoding", plain.Headers.Vary);
        Assert.NotEqual(plain.Headers.ETag, zipped.Headers.ETag);
        byte[] compressed = await zipped.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < plainBytes.Length / 2, $"gzip gave {compressed.Length} bytes for {plainBytes.Length}");
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var unzipped = new MemoryStream();
        await gzip.CopyToAsync(unzipped);
        Assert.Equal(plainBytes, unzipped.ToArray());

        // q=0 means "not gzip".
        using HttpResponseMessage refused = await GetAsync("/janus.js", request => request.Headers.AcceptEncoding.ParseAdd("gzip;q=0"));
        Assert.Empty(refused.Content.Headers.ContentEncoding);
        Assert.Equal(plainBytes, await refused.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_page_gets_a_content_security_policy_and_is_never_framed()
    {
        using HttpResponseMessage page = await GetAsync("/");
        string policy = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal(["DENY"], page.Headers.GetValues("X-Frame-Options"));

        // The client library may be loaded by other sites (a module import from another origin needs CORS).
        using HttpResponseMessage library = await GetAsync("/janus.mjs");
        Assert.Equal(["*"], library.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.False(page.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task HEAD_answers_the_headers_without_the_body()
    {
        using HttpResponseMessage get = await GetAsync("/");
        using HttpResponseMessage head = await GetAsync("/", method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Every_file_the_page_and_its_modules_refer_to_is_served()
    {
        string html = await Http.GetStringAsync(_server.HttpBaseAddress);
        var pending = new Queue<string>();
        foreach (Match match in LocalReference().Matches(html))
        {
            pending.Enqueue(match.Groups[1].Value);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out string? path))
        {
            path = path.Split('?')[0];
            if (!seen.Add(path))
            {
                continue;
            }

            using HttpResponseMessage response = await GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}");
            if (path.EndsWith(".js", StringComparison.Ordinal) || path.EndsWith(".mjs", StringComparison.Ordinal))
            {
                string script = await response.Content.ReadAsStringAsync();
                foreach (Match import in ModuleImport().Matches(script))
                {
                    string target = import.Groups[1].Value;
                    pending.Enqueue(target.StartsWith("./", StringComparison.Ordinal) ? path[..(path.LastIndexOf('/') + 1)] + target[2..] : target);
                }
            }
        }

        Assert.Contains("/dashboard/dashboard.js", seen);
        Assert.Contains("/dashboard/watch.js", seen);
        Assert.Contains("/janus.mjs", seen);
        Assert.Contains("/api/stats", seen);
    }

    [Fact]
    public async Task The_other_endpoints_are_untouched_and_unknown_paths_are_404()
    {
        using HttpResponseMessage ws = await GetAsync("/ws");
        Assert.Equal(HttpStatusCode.UpgradeRequired, ws.StatusCode);
        using HttpResponseMessage stats = await GetAsync("/api/stats");
        Assert.Equal("application/json", stats.Content.Headers.ContentType!.MediaType);
        using HttpResponseMessage metrics = await GetAsync("/metrics");
        Assert.Contains("janus_connections", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage healthz = await GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        using HttpResponseMessage readyz = await GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);

        foreach (string path in new[] { "/index.html", "/dashboard/", "/dashboard/nope.js", "/wwwroot/janus.js", "/janus.js/x" })
        {
            using HttpResponseMessage missing = await GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using HttpResponseMessage post = await GetAsync("/", method: HttpMethod.Post);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
