using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;

namespace Janus.Server.Dashboard;

/// <summary>
/// One file of <c>wwwroot/</c>, held in memory with everything its responses need: content type, a strong ETag, and a
/// gzip form when that is smaller. Served with <c>Cache-Control: no-cache</c>, so browsers keep a copy but ask each
/// time (a 304 costs a few bytes), and a Janus upgrade reaches every open browser on its next load.
/// </summary>
internal sealed class StaticAsset
{
    /// <summary>
    /// What the dashboard page may do: its own scripts, styles and fetches (and WebSocket to the same host), nothing
    /// inline, nothing from elsewhere, never framed.
    /// </summary>
    internal const string DocumentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly byte[] _content;
    private readonly byte[]? _gzip;
    private readonly EntityTagHeaderValue _etag;
    private readonly EntityTagHeaderValue? _gzipETag;

    public StaticAsset(string route, string contentType, byte[] content, byte[]? gzip, string hash, bool isDocument, bool allowAnyOrigin)
    {
        Route = route;
        ContentType = contentType;
        _content = content;
        _gzip = gzip;
        IsDocument = isDocument;
        AllowAnyOrigin = allowAnyOrigin;

        // Each representation has its own strong tag: the gzip bytes are not the plain bytes.
        _etag = new EntityTagHeaderValue("\"" + hash + "\"");
        _gzipETag = gzip is null ? null : new EntityTagHeaderValue("\"" + hash + "-gz\"");
    }

    /// <summary>The path it is served at, e.g. <c>/</c> or <c>/janus.js</c>.</summary>
    public string Route { get; }

    /// <summary>The Content-Type header value.</summary>
    public string ContentType { get; }

    /// <summary>Length of the plain (uncompressed) content.</summary>
    public int Length => _content.Length;

    /// <summary>Length of the gzip form, or null when the file is not served compressed.</summary>
    public int? GzipLength => _gzip?.Length;

    /// <summary>An HTML page: gets the content security policy and framing protection.</summary>
    public bool IsDocument { get; }

    /// <summary>
    /// A library other sites may load (<c>janus.js</c>): an ES module import from another origin needs CORS. The file
    /// is public and carries no credentials, so any origin may read it.
    /// </summary>
    public bool AllowAnyOrigin { get; }

    /// <summary>Answers a GET or HEAD.</summary>
    public Task ServeAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;
        bool gzip = _gzip is not null && AcceptsGzip(request);
        EntityTagHeaderValue etag = gzip ? _gzipETag! : _etag;

        IHeaderDictionary headers = response.Headers;
        headers.ContentType = ContentType;
        headers.CacheControl = "no-cache";
        headers.ETag = etag.ToString();
        headers.XContentTypeOptions = "nosniff";
        if (_gzip is not null)
        {
            headers.Vary = "Accept-Encoding";
        }

        if (IsDocument)
        {
            headers.ContentSecurityPolicy = DocumentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (AllowAnyOrigin)
        {
            headers.AccessControlAllowOrigin = "*";
        }

        if (Matches(request.GetTypedHeaders(), etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        byte[] body = gzip ? _gzip! : _content;
        if (gzip)
        {
            headers.ContentEncoding = "gzip";
        }

        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 §13.1.2); <c>*</c> matches any representation.</summary>
    private static bool Matches(RequestHeaders headers, EntityTagHeaderValue etag)
    {
        IList<EntityTagHeaderValue> candidates = headers.IfNoneMatch;
        foreach (EntityTagHeaderValue candidate in candidates)
        {
            if (candidate.Equals(EntityTagHeaderValue.Any) || candidate.Compare(etag, useStrongComparison: false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when Accept-Encoding lists <c>gzip</c> (or <c>*</c>) without <c>q=0</c>.</summary>
    private static bool AcceptsGzip(HttpRequest request)
    {
        if (!StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out IList<StringWithQualityHeaderValue>? codings))
        {
            return false;
        }

        foreach (StringWithQualityHeaderValue coding in codings)
        {
            bool named = coding.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Value.Equals("*", StringComparison.Ordinal);
            if (named && coding.Quality is not 0)
            {
                return true;
            }
        }

        return false;
    }
}
