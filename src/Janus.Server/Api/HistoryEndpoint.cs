using System.Globalization;
using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Fanout;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Api;

/// <summary>
/// <c>GET /api/history?topic=T[&amp;since=N&amp;epoch=E][&amp;limit=L]</c>: a topic's history, oldest first, each message as an
/// opted-in client receives it (docs/sessions.md, History over HTTP).
/// </summary>
internal sealed class HistoryEndpoint
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    private readonly TopicRegistry _topics;

    public HistoryEndpoint(TopicRegistry topics) => _topics = topics;

    public async Task GetAsync(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        string? topic = query["topic"];
        if (string.IsNullOrEmpty(topic))
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_query", "topic is required");
            return;
        }

        int limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitValue)
            && (!int.TryParse(limitValue.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit < 0 || limit > MaxLimit))
        {
            await ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_query", $"limit must be a whole number from 0 to {MaxLimit}");
            return;
        }

        StreamPosition? since = null;
        if (query.TryGetValue("since", out var sinceValue))
        {
            string epoch = query["epoch"].ToString();
            if (!long.TryParse(sinceValue.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out long offset) || epoch.Length > StreamPosition.MaxEpochLength)
            {
                await ApiResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_query", "since must be a non-negative whole number, with the epoch it belongs to");
                return;
            }

            since = new StreamPosition(offset, epoch);
        }

        StreamPosition current = new(0, "");
        bool recovered = since is null || since.Value.Offset == 0;
        List<byte[]> messages = [];
        if (_topics.TryGet(topic, out Topic? found))
        {
            messages = found.ReadHistory(since, limit, out current, out recovered);
        }

        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json; charset=utf-8";
        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("topic"u8, topic);
            writer.WriteNumber("offset"u8, current.Offset);
            writer.WriteString("epoch"u8, current.Epoch);
            writer.WriteBoolean("recovered"u8, recovered);
            writer.WriteStartArray("messages"u8);
            foreach (byte[] message in messages)
            {
                writer.WriteRawValue(message, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
