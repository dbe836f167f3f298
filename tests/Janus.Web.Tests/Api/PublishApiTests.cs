using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Janus.Testing;
using Janus.Web.Tests.Support;

namespace Janus.Web.Tests.Api;

/// <summary><c>POST /api/publish</c>: every body form, what it answers, and every refusal.</summary>
public sealed class PublishApiTests
{
    private static readonly Uri Publish = new("/api/publish", UriKind.Relative);

    private static Task<JanusTestServer> StartAsync(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Janus:Api:MaxBodyBytes"] = "4096",
            ["Janus:Limits:MaxFrameBytes"] = "1024",
            ["Janus:Api:MaxMessagesPerRequest"] = "5",
        };
        foreach ((string key, string value) in settings)
        {
            values[key] = value;
        }

        return JanusTestServer.StartAsync(values);
    }

    private static Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(JanusTestServer server, string body, string contentType = "application/json", string? authorization = null) =>
        PostAsync(server, new StringContent(body, Encoding.UTF8), contentType, authorization);

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(JanusTestServer server, HttpContent content, string contentType = "application/json", string? authorization = null)
    {
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, Publish) { Content = content };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        HttpResponseMessage response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone(), response);
    }

    [Fact]
    public async Task One_message_is_delivered_with_the_same_bytes_as_a_TCP_publish_and_the_answer_says_where_it_went()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("news");

        (HttpStatusCode status, JsonElement body, _) = await PostAsync(server, """{"event":"e","topic":"news","extra":"ignored","message_id":7,"data":{"x": 1, "y": [true, null]}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("published").GetInt32());
        Assert.Equal(1, body.GetProperty("deliveries").GetInt64());
        JsonElement result = Assert.Single(body.GetProperty("results").EnumerateArray());
        Assert.Equal("news", result.GetProperty("topic").GetString());
        Assert.Equal(1, result.GetProperty("subscribers").GetInt32());
        Assert.Equal(1, result.GetProperty("deliveries").GetInt32());
        long[] stamp = [.. result.GetProperty("timestamp").EnumerateArray().Select(e => e.GetInt64())];
        string expected = "{\"timestamp\":[" + string.Join(',', stamp) + "],\"topic\":\"news\",\"event\":\"e\",\"message_id\":7,\"data\":{\"x\":1,\"y\":[true,null]}}";
        Assert.Equal(expected, await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task A_message_without_event_message_id_or_data_carries_nulls()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("bare");

        (HttpStatusCode status, _, _) = await PostAsync(server, """{"topic":"bare"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("""^\{"timestamp":\[\d+,\d+,\d+\],"topic":"bare","event":null,"message_id":null,"data":null\}$""", await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task One_message_to_several_topics_reaches_each_topic_once()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient a = await WsClient.ConnectAsync(server);
        await a.SubscribeAsync("a");
        await using WsClient b = await WsClient.ConnectAsync(server);
        await b.SubscribeAsync("b");
        await b.SubscribeAsync("a");

        (HttpStatusCode status, JsonElement body, _) = await PostAsync(server, """{"topics":["a","b","nobody"],"event":"e","message_id":1,"data":"multi"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("published").GetInt32());
        Assert.Equal(3, body.GetProperty("deliveries").GetInt64());
        Assert.Equal(["a", "b", "nobody"], body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("topic").GetString()));
        Assert.Equal([2, 1, 0], body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("deliveries").GetInt32()));
        Assert.Contains("\"topic\":\"a\"", await a.ReceiveAsync(), StringComparison.Ordinal);
        Assert.Contains("\"topic\":\"a\"", await b.ReceiveAsync(), StringComparison.Ordinal);
        Assert.Contains("\"topic\":\"b\"", await b.ReceiveAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[{"topic":"batch","message_id":1},{"topic":"batch","message_id":2},{"topics":["batch"],"message_id":3}]}""")]
    [InlineData("""[{"topic":"batch","message_id":1},{"topic":"batch","message_id":2},{"topics":["batch"],"message_id":3}]""")]
    public async Task A_batch_is_published_in_order(string body)
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("batch");

        (HttpStatusCode status, JsonElement answer, _) = await PostAsync(server, body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, answer.GetProperty("published").GetInt32());
        for (int i = 1; i <= 3; i++)
        {
            Assert.Contains($"\"message_id\":{i},", await subscriber.ReceiveAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"topic":"t",""", 400, "invalid_json")]
    [InlineData("", 400, "invalid_json")]
    [InlineData("42", 400, "invalid_body")]
    [InlineData("\"just a string\"", 400, "invalid_body")]
    [InlineData("""{"event":"e","data":1}""", 422, "missing_field")]
    [InlineData("""{"topic":7}""", 422, "invalid_field")]
    [InlineData("""{"topic":""}""", 422, "invalid_field")]
    [InlineData("""{"topic":"a\u0001b"}""", 422, "invalid_field")]
    [InlineData("{\"topics\":[\"ok\",\"a\u007fb\"]}", 422, "invalid_field")]
    [InlineData("""{"topic":"a","topics":["b"]}""", 422, "invalid_field")]
    [InlineData("""{"topics":[]}""", 422, "invalid_field")]
    [InlineData("""{"topics":["a","a"]}""", 422, "invalid_field")]
    [InlineData("""{"topics":"a"}""", 422, "invalid_field")]
    [InlineData("""{"messages":{"topic":"a"}}""", 422, "invalid_field")]
    [InlineData("""{"messages":[]}""", 422, "empty_batch")]
    [InlineData("[]", 422, "empty_batch")]
    [InlineData("""[{"topic":"a"},"not a message"]""", 422, "invalid_field")]
    [InlineData("""[{"topic":"a"},{"topic":"b"},{"topics":["c","d","e","f"]}]""", 422, "too_many_messages")]
    public async Task A_bad_body_is_refused_with_a_clear_error_and_nothing_is_published(string body, int status, string error)
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("a");

        (HttpStatusCode actual, JsonElement answer, _) = await PostAsync(server, body);

        Assert.Equal(status, (int)actual);
        Assert.Equal(error, answer.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("reason").GetString()));
        await AssertNothingWasPublishedAsync(server, subscriber);
    }

    [Theory]
    [InlineData("data")]
    [InlineData("event")]
    [InlineData("message_id")]
    public async Task Regression_invalid_utf8_in_an_http_publish_is_refused_not_passed_to_subscribers(string field)
    {
        // Found by the fuzzer (tests/Janus.Fuzz.Tests): JsonDocument does not check the UTF-8 inside strings, so these
        // bytes were published verbatim, and a browser closes its WebSocket on invalid UTF-8 in a text frame. TCP and
        // WebSocket publishes already refused them.
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("a");
        byte[] body = [.. Encoding.UTF8.GetBytes($$"""{"messages":[{"topic":"a","{{field}}":"ok"},{"topic":"a","{{field}}":"bad """), 0xED, 0xA0, 0x80, .. "\"}]}"u8];

        (HttpStatusCode status, JsonElement answer, _) = await PostAsync(server, new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("invalid_field", answer.GetProperty("error").GetString());
        Assert.StartsWith($"messages[1].{field} ", answer.GetProperty("reason").GetString(), StringComparison.Ordinal);
        await AssertNothingWasPublishedAsync(server, subscriber);
    }

    [Theory]
    [InlineData("""{"topic":"a","\ud800\r":0}""")]
    [InlineData("""{"\udc00\udc00\udc00":1,"topic":"a"}""")]
    [InlineData("""[{"topic":"a"},{"topic":"a","\udc00xxxxxxxxxxxx":1}]""")]
    public async Task Regression_a_key_with_a_lone_surrogate_escape_is_invalid_json_not_a_500(string body)
    {
        // Found by the fuzzer (tests/Janus.Fuzz.Tests): looking a property up unescapes the keys it passes, and a
        // lone surrogate escape threw InvalidOperationException out of the parser: a 500 and an error in the log.
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("a");

        (HttpStatusCode status, JsonElement answer, _) = await PostAsync(server, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_json", answer.GetProperty("error").GetString());
        await AssertNothingWasPublishedAsync(server, subscriber);
    }

    [Fact]
    public async Task A_message_with_a_topic_longer_than_the_limit_is_refused_with_its_path()
    {
        await using JanusTestServer server = await StartAsync(("Janus:Limits:MaxTopicLength", "8"));

        (HttpStatusCode status, JsonElement body, _) = await PostAsync(server, """{"messages":[{"topic":"fine"},{"topic":"much-too-long"}]}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("invalid_field", body.GetProperty("error").GetString());
        Assert.StartsWith("messages[1].topic ", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_MaxBodyBytes_is_refused_with_413()
    {
        await using JanusTestServer server = await StartAsync();
        string body = $$"""{"topic":"a","data":"{{new string('x', 5000)}}"}""";

        (HttpStatusCode status, JsonElement answer, _) = await PostAsync(server, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("body_too_large", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_chunked_body_over_MaxBodyBytes_is_refused_with_413()
    {
        await using JanusTestServer server = await StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"topic":"a","data":"{{new string('x', 5000)}}"}""")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, Publish) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("\"error\":\"body_too_large\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_larger_than_MaxFrameBytes_is_refused_with_413_even_in_a_small_enough_body()
    {
        await using JanusTestServer server = await StartAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("a");

        (HttpStatusCode status, JsonElement answer, _) = await PostAsync(server, $$"""[{"topic":"a"},{"topic":"a","data":"{{new string('x', 2000)}}"}]""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("message_too_large", answer.GetProperty("error").GetString());
        await AssertNothingWasPublishedAsync(server, subscriber);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=utf-16")]
    public async Task A_body_that_is_not_JSON_by_content_type_is_refused_with_415(string contentType)
    {
        await using JanusTestServer server = await StartAsync();

        (HttpStatusCode status, JsonElement answer, _) = await PostAsync(server, """{"topic":"a"}""", contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("unsupported_media_type", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_body_without_content_type_is_refused_with_415()
    {
        await using JanusTestServer server = await StartAsync();
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        using var content = new ByteArrayContent("""{"topic":"a"}"""u8.ToArray());

        using HttpResponseMessage response = await http.PostAsync(Publish, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    /// <summary>A marker published now must be the subscriber's next message: whatever the refused request held never went out.</summary>
    private static async Task AssertNothingWasPublishedAsync(JanusTestServer server, WsClient subscriber)
    {
        (HttpStatusCode status, _, _) = await PostAsync(server, """{"topic":"a","event":"marker"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"event\":\"marker\"", await subscriber.ReceiveAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_caller_without_a_key_gets_401_with_a_bearer_challenge()
    {
        await using JanusTestServer server = await StartUntrustedAsync();

        (HttpStatusCode status, JsonElement body, HttpResponseMessage response) = await PostAsync(server, """{"topic":"a"}""");

        using (response)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("missing_api_key", body.GetProperty("error").GetString());
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        }
    }

    [Theory]
    [InlineData("Bearer wrong-key-0123456789abcdef", 403, "invalid_api_key")]
    [InlineData("Bearer ", 401, "missing_api_key")]
    [InlineData("Basic dXNlcjpwYXNz", 401, "missing_api_key")]
    public async Task An_untrusted_caller_with_a_wrong_key_is_refused(string authorization, int status, string error)
    {
        await using JanusTestServer server = await StartUntrustedAsync();

        (HttpStatusCode actual, JsonElement body, _) = await PostAsync(server, """{"topic":"a"}""", authorization: authorization);

        Assert.Equal(status, (int)actual);
        Assert.Equal(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorization_is_checked_before_the_body()
    {
        await using JanusTestServer server = await StartUntrustedAsync();

        (HttpStatusCode status, _, _) = await PostAsync(server, "not json at all", "text/plain");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task An_untrusted_caller_with_the_key_may_publish()
    {
        await using JanusTestServer server = await StartUntrustedAsync();
        await using WsClient subscriber = await WsClient.ConnectAsync(server);
        await subscriber.SubscribeAsync("a");

        (HttpStatusCode status, JsonElement body, _) = await PostAsync(server, """{"topic":"a","data":"with key"}""", authorization: "Bearer " + UntrustedKey);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("deliveries").GetInt64());
        Assert.Contains("with key", await subscriber.ReceiveAsync(), StringComparison.Ordinal);
    }

    private const string UntrustedKey = "test-key-0123456789abcdef";

    private static Task<JanusTestServer> StartUntrustedAsync() =>
        StartAsync(("Janus:Security:TrustedNetworks", string.Empty), ("Janus:Security:ApiKeys:0", "another-key-0123456789abcdef"), ("Janus:Security:ApiKeys:1", UntrustedKey));
}
