using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Logging;
using Janus.Server.Options;
using Janus.Server.Publishing;
using Janus.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Janus.Server.Api;

/// <summary>
/// <c>POST /api/publish</c>. Checks, in this order: the caller (trusted network or API key: 401/403), the content
/// type (415), the body size (413), the JSON (400) and the messages (422, or 413 for one too large); then publishes
/// every message through the <see cref="Publisher"/> with the same encoder as TCP and WebSocket publishes, and answers
/// with what went where.
/// </summary>
internal sealed class PublishEndpoint
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    private readonly Publisher _publisher;
    private readonly TrustedNetworks _trusted;
    private readonly ApiKeys _keys;
    private readonly ILogger _logger;
    private readonly int _maxBodyBytes;
    private readonly PublishRequestParser _parser;

    public PublishEndpoint(Publisher publisher, TrustedNetworks trusted, ApiKeys keys, IOptions<JanusOptions> options, ILoggerFactory loggerFactory)
    {
        JanusOptions janus = options.Value;
        _publisher = publisher;
        _trusted = trusted;
        _keys = keys;
        _logger = loggerFactory.CreateLogger("Janus.Api");
        _maxBodyBytes = janus.Api.MaxBodyBytes;
        _parser = new PublishRequestParser(janus.Limits.MaxTopicLength, janus.Limits.MaxFrameBytes, janus.Api.MaxMessagesPerRequest);
    }

    public async Task HandleAsync(HttpContext context)
    {
        ApiFailure? failure = Authorize(context) ?? CheckContentType(context.Request);
        if (failure is not null)
        {
            await RefuseAsync(context, failure);
            return;
        }

        ApiFailure tooLarge = new(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"the body may be at most {_maxBodyBytes} bytes (Janus:Api:MaxBodyBytes)");
        if (context.Request.ContentLength > _maxBodyBytes)
        {
            await RefuseAsync(context, tooLarge);
            return;
        }

        // Let our limit, not Kestrel's 30 MB default, decide (one byte over is enough to know).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = (long)_maxBodyBytes + 1;
        }

        PipeReader reader = context.Request.BodyReader;
        ReadResult body;
        try
        {
            body = await ReadBodyAsync(reader, context.RequestAborted);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own refusals while reading the body (over its size limit, broken chunked encoding, too slow).
            await RefuseAsync(context, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? tooLarge : new ApiFailure(ex.StatusCode, "bad_request", ex.Message));
            return;
        }

        try
        {
            // The document reads the pipe's memory in place, so the body is released only once everything is done.
            await (body.Buffer.Length > _maxBodyBytes ? RefuseAsync(context, tooLarge) : PublishAsync(context, body.Buffer));
        }
        finally
        {
            reader.AdvanceTo(body.Buffer.End);
        }
    }

    /// <summary>Buffers the body until it is complete or over the limit (then stops reading).</summary>
    private async Task<ReadResult> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted || result.Buffer.Length > _maxBodyBytes)
            {
                return result;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private async Task PublishAsync(HttpContext context, ReadOnlySequence<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            await RefuseAsync(context, new ApiFailure(StatusCodes.Status400BadRequest, "invalid_json", "the body is not valid JSON: " + ex.Message));
            return;
        }

        using (document)
        {
            var items = new List<PublishItem>();
            ApiFailure? failure = _parser.Parse(document.RootElement, items);
            if (failure is not null)
            {
                await RefuseAsync(context, failure);
                return;
            }

            var results = new PublishResult[items.Count];
            long deliveries = 0;

            // A batch wakes each subscriber's drain once, at the end, so it leaves in one write per subscriber.
            using (FanoutBatch.Begin())
            {
                for (int i = 0; i < items.Count; i++)
                {
                    results[i] = Publish(items[i]);
                    deliveries += results[i].Deliveries;
                }
            }

            await ApiResponses.WriteAsync(context, StatusCodes.Status200OK, new PublishResponse(results.Length, deliveries, results), JanusJsonContext.Default.PublishResponse);
        }
    }

    private PublishResult Publish(in PublishItem item)
    {
        ReadOnlySpan<byte> topic = PublishRequestParser.Raw(item.TopicJson);
        ReadOnlySpan<byte> eventValue = PublishRequestParser.Raw(item.Event);
        ReadOnlySpan<byte> messageId = PublishRequestParser.Raw(item.MessageId);
        ReadOnlySpan<byte> data = PublishRequestParser.Raw(item.Data);
        FanoutCounts counts = _publisher.Publish(item.Topic, topic, eventValue, messageId, data, TransportKind.Http, out ErlangTimestamp timestamp);
        return new PublishResult(item.Topic, counts.Subscribers, counts.Delivered, [timestamp.MegaSeconds, timestamp.Seconds, timestamp.Microseconds]);
    }

    private ApiFailure? Authorize(HttpContext context)
    {
        if (ApiKeys.TryReadBearer(context.Request.Headers.Authorization, out string? key))
        {
            if (key is null)
            {
                return new ApiFailure(StatusCodes.Status401Unauthorized, "missing_api_key", "the Authorization header must be 'Bearer <key>'");
            }

            return _keys.IsValid(key) ? null : new ApiFailure(StatusCodes.Status403Forbidden, "invalid_api_key", "the API key is not valid");
        }

        if (context.Connection.RemoteIpAddress is IPAddress address && _trusted.IsTrusted(address))
        {
            return null;
        }

        return new ApiFailure(
            StatusCodes.Status401Unauthorized,
            "missing_api_key",
            _keys.AnyConfigured
                ? "callers outside Janus:Security:TrustedNetworks must send Authorization: Bearer <key>"
                : "callers outside Janus:Security:TrustedNetworks must send Authorization: Bearer <key>, and no key is configured (Janus:Security:ApiKeys)");
    }

    private static ApiFailure? CheckContentType(HttpRequest request)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type)
            && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && (!type.Charset.HasValue || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        return new ApiFailure(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "the body must be sent as Content-Type: application/json (UTF-8)");
    }

    private Task RefuseAsync(HttpContext context, ApiFailure failure)
    {
        WebLog.PublishRefused(_logger, failure.Status, failure.Code, failure.Reason);
        if (failure.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"janus\"";
        }

        return ApiResponses.WriteErrorAsync(context, failure.Status, failure.Code, failure.Reason);
    }
}
