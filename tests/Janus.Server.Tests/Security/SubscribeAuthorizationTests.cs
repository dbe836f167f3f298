using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Server.Tests.Tcp;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Security;

/// <summary>
/// Who may subscribe (docs/security.md#authorization), over real TCP sockets: protected topics need a signed token
/// presented in <c>hello</c> or <c>auth</c>; public topics work as before, with no token.
/// </summary>
public sealed class SubscribeAuthorizationTests : IDisposable
{
    private readonly TestTokens _tokens = TestTokens.Hs256();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _tokens.Dispose();

    private Task<JanusTestServer> StartAsync(Dictionary<string, string?>? extra = null)
    {
        Dictionary<string, string?> settings = _tokens.Settings("private:*", "user:{sub}:*");
        foreach (KeyValuePair<string, string?> setting in extra ?? [])
        {
            settings[setting.Key] = setting.Value;
        }

        return JanusTestServer.StartAsync(settings, s => s.AddSingleton<TimeProvider>(_time));
    }

    private string Token(string subject, string[]? topics, TimeSpan lifetime) => _tokens.Create(subject, topics, _time.GetUtcNow() + lifetime);

    private static string Hello(string token) => "{\"action\":\"hello\",\"token\":\"" + token + "\"}\0";

    private static string Auth(string token) => "{\"action\":\"auth\",\"token\":\"" + token + "\"}\0";

    private static string SubscribeFrame(string topic) => "{\"action\":\"subscribe\",\"data\":\"" + topic + "\"}\0";

    /// <summary>Checks a topic error: <c>{"error":code,"reason":…,"topic":T}</c>.</summary>
    private static void AssertTopicError(string message, ProtocolError expected, string topic)
    {
        using JsonDocument document = JsonDocument.Parse(message);
        JsonElement root = document.RootElement;
        Assert.Equal(ProtocolErrors.Code(expected), root.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("reason").GetString()));
        Assert.Equal(topic, root.GetProperty("topic").GetString());
    }

    /// <summary>Says hello with a token and returns the answer.</summary>
    private static async Task<JsonElement> HelloAsync(RawTcpClient client, string token)
    {
        await client.SendAsync(Hello(token));
        return JsonDocument.Parse(await ReadAsync(client)).RootElement;
    }

    private static async Task<string> SubscribeAsync(RawTcpClient client, string topic)
    {
        await client.SendAsync(SubscribeFrame(topic));
        return await ReadAsync(client);
    }

    /// <summary>The next message other than a heartbeat PING (time is advanced past the ping interval here).</summary>
    private static async Task<string> ReadAsync(RawTcpClient client)
    {
        while (true)
        {
            string message = await client.ReadMessageAsync();
            if (message != "PING")
            {
                return message;
            }
        }
    }

    [Fact]
    public async Task An_anonymous_subscriber_to_a_protected_topic_is_refused_and_receives_nothing_of_it_while_public_topics_work()
    {
        // The row: an anonymous subscriber on a topic, then a trusted publish, and the anonymous client got the data.
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient anonymous = await server.ConnectTcpAsync();
        AssertTopicError(await SubscribeAsync(anonymous, "private:payroll"), ProtocolError.Unauthorized, "private:payroll");
        AssertTopicError(await SubscribeAsync(anonymous, "user:alice:inbox"), ProtocolError.Unauthorized, "user:alice:inbox");
        await anonymous.SubscribeAsync("news");

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:payroll", 1, "{\"salary\":1}"));
        await publisher.SendAsync(Frames.PublishCommand("user:alice:inbox", 2));
        await publisher.SendAsync(Frames.PublishCommand("news", 3));

        Delivery delivery = await anonymous.ReadDeliveryAsync();
        Assert.Equal("news", delivery.Topic);
        Assert.Equal(3, delivery.MessageIdNumber);
        Assert.Equal(2, server.GetRequiredService<JanusMetrics>().AuthRefusals(AuthRefusal.Unauthorized));
    }

    [Fact]
    public async Task A_token_in_hello_allows_the_topics_of_its_claim_and_no_others()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        DateTimeOffset expires = _time.GetUtcNow().AddMinutes(10);
        JsonElement hello = await HelloAsync(client, _tokens.Create("alice", ["private:a", "private:team:*"], expires));
        JsonElement auth = hello.GetProperty("hello").GetProperty("auth");
        Assert.Equal("alice", auth.GetProperty("sub").GetString());
        Assert.Equal(expires.ToUnixTimeSeconds(), auth.GetProperty("exp").GetInt64());

        Assert.Equal("private:a", JsonDocument.Parse(await SubscribeAsync(client, "private:a")).RootElement.GetProperty("subscribed").GetString());
        Assert.Equal("private:team:x", JsonDocument.Parse(await SubscribeAsync(client, "private:team:x")).RootElement.GetProperty("subscribed").GetString());
        AssertTopicError(await SubscribeAsync(client, "private:ab"), ProtocolError.Unauthorized, "private:ab");
        AssertTopicError(await SubscribeAsync(client, "private:b"), ProtocolError.Unauthorized, "private:b");

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:b", 1));
        await publisher.SendAsync(Frames.PublishCommand("private:a", 2));
        Delivery delivery = await client.ReadDeliveryAsync();
        Assert.Equal("private:a", delivery.Topic);
    }

    [Fact]
    public async Task A_sub_placeholder_in_a_protected_pattern_gives_each_subject_its_own_topics_without_a_claim()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await HelloAsync(client, Token("alice", topics: null, TimeSpan.FromMinutes(5)));

        Assert.Contains("\"subscribed\":\"user:alice:inbox\"", await SubscribeAsync(client, "user:alice:inbox"), StringComparison.Ordinal);
        AssertTopicError(await SubscribeAsync(client, "user:bob:inbox"), ProtocolError.Unauthorized, "user:bob:inbox");
        AssertTopicError(await SubscribeAsync(client, "user:alicex:inbox"), ProtocolError.Unauthorized, "user:alicex:inbox");
        AssertTopicError(await SubscribeAsync(client, "private:a"), ProtocolError.Unauthorized, "private:a");
    }

    [Fact]
    public async Task A_token_presented_with_auth_works_on_a_connection_that_never_said_hello()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SendAsync(Auth(Token("alice", ["private:a"], TimeSpan.FromMinutes(5))));
        using JsonDocument answer = JsonDocument.Parse(await ReadAsync(client));
        Assert.Equal("alice", answer.RootElement.GetProperty("auth").GetProperty("sub").GetString());

        // Still the original protocol: a subscribe is answered with ACK, deliveries carry no position.
        await client.SubscribeAsync("private:a");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:a", 1));
        Assert.DoesNotContain("offset", await ReadAsync(client), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_expiry_ends_the_protected_subscriptions_with_token_expired_and_public_ones_continue()
    {
        await using JanusTestServer server = await StartAsync();
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await HelloAsync(client, Token("alice", ["private:a"], TimeSpan.FromSeconds(60)));
        await SubscribeAsync(client, "private:a");
        await SubscribeAsync(client, "news");

        Advance(59);
        Assert.Equal(0, metrics.AuthRefusals(AuthRefusal.TokenExpired));
        Advance(2);
        AssertTopicError(await ReadAsync(client), ProtocolError.TokenExpired, "private:a");
        Assert.Equal(1, metrics.AuthRefusals(AuthRefusal.TokenExpired));

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:a", 1));
        await publisher.SendAsync(Frames.PublishCommand("news", 2));
        Delivery delivery = Delivery.Parse(await ReadAsync(client));
        Assert.Equal("news", delivery.Topic);

        // Subscribing again needs a fresh token.
        AssertTopicError(await SubscribeAsync(client, "private:a"), ProtocolError.TokenExpired, "private:a");
        await client.SendAsync(Auth(Token("alice", ["private:a"], TimeSpan.FromSeconds(60))));
        Assert.Contains("\"auth\"", await ReadAsync(client), StringComparison.Ordinal);
        Assert.Contains("\"subscribed\":\"private:a\"", await SubscribeAsync(client, "private:a"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fresh_token_sent_before_expiry_keeps_the_protected_subscriptions()
    {
        await using JanusTestServer server = await StartAsync();
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await HelloAsync(client, Token("alice", ["private:a"], TimeSpan.FromSeconds(60)));
        await SubscribeAsync(client, "private:a");

        Advance(50);
        await client.SendAsync(Auth(Token("alice", ["private:a"], TimeSpan.FromSeconds(120))));
        Assert.Contains("\"auth\"", await ReadAsync(client), StringComparison.Ordinal);
        Advance(60);

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:a", 1));
        Assert.Equal("private:a", JsonDocument.Parse(await ReadAsync(client)).RootElement.GetProperty("topic").GetString());
        Assert.Equal(0, metrics.AuthRefusals(AuthRefusal.TokenExpired));
    }

    [Fact]
    public async Task A_fresh_token_that_no_longer_allows_a_topic_ends_that_subscription_with_unauthorized()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await HelloAsync(client, Token("alice", ["private:a", "private:b"], TimeSpan.FromSeconds(60)));
        await SubscribeAsync(client, "private:a");
        await SubscribeAsync(client, "private:b");

        await client.SendAsync(Auth(Token("alice", ["private:b"], TimeSpan.FromSeconds(60))));
        Assert.Contains("\"auth\"", await ReadAsync(client), StringComparison.Ordinal);
        AssertTopicError(await ReadAsync(client), ProtocolError.Unauthorized, "private:a");

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:a", 1));
        await publisher.SendAsync(Frames.PublishCommand("private:b", 2));
        Assert.Equal("private:b", JsonDocument.Parse(await ReadAsync(client)).RootElement.GetProperty("topic").GetString());
    }

    public static TheoryData<string, string> InvalidTokens()
    {
        var data = new TheoryData<string, string>();
        using TestTokens other = TestTokens.Hs256();
        DateTimeOffset later = DateTimeOffset.UtcNow.AddMinutes(5);
        data.Add("signed with another key", "{\"action\":\"hello\",\"token\":\"" + other.Create("alice", ["private:a"], later) + "\"}");
        data.Add("not a JWT", "{\"action\":\"hello\",\"token\":\"not-a-token\"}");
        data.Add("not a string", "{\"action\":\"hello\",\"token\":42}");
        data.Add("auth without a token", "{\"action\":\"auth\"}");
        data.Add("empty", "{\"action\":\"auth\",\"token\":\"\"}");
        return data;
    }

    [Theory]
    [MemberData(nameof(InvalidTokens))]
    public async Task A_token_that_does_not_validate_closes_the_connection_with_invalid_token(string why, string frame)
    {
        _ = why;
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SendAsync(frame + "\0");
        await client.ReadUntilClosedWithErrorAsync(ProtocolError.InvalidToken);
        Assert.Equal(1, server.GetRequiredService<JanusMetrics>().Errors(ProtocolError.InvalidToken));
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("no subject")]
    [InlineData("wrong issuer")]
    [InlineData("wrong audience")]
    [InlineData("topics claim not a list of patterns")]
    [InlineData("not yet valid")]
    public async Task A_token_with_bad_claims_closes_the_connection_with_invalid_token(string why)
    {
        await using JanusTestServer server = await StartAsync(new() { ["Janus:Auth:Issuer"] = "https://issuer.example", ["Janus:Auth:Audience"] = "janus" });
        DateTimeOffset now = _time.GetUtcNow();
        string token = why switch
        {
            "expired" => _tokens.Create("alice", ["private:a"], now.AddSeconds(-1), "https://issuer.example", "janus"),
            "no subject" => _tokens.Create(null, ["private:a"], now.AddMinutes(5), "https://issuer.example", "janus"),
            "wrong issuer" => _tokens.Create("alice", ["private:a"], now.AddMinutes(5), "https://evil.example", "janus"),
            "wrong audience" => _tokens.Create("alice", ["private:a"], now.AddMinutes(5), "https://issuer.example", "other"),
            "topics claim not a list of patterns" => _tokens.Create("alice", ["private:*:x"], now.AddMinutes(5), "https://issuer.example", "janus"),
            _ => _tokens.Create("alice", ["private:a"], now.AddMinutes(5), "https://issuer.example", "janus", new Dictionary<string, object> { ["nbf"] = now.AddMinutes(1).ToUnixTimeSeconds() }),
        };

        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SendAsync(Hello(token));
        await client.ReadUntilClosedWithErrorAsync(ProtocolError.InvalidToken);
        Assert.Equal(1, server.GetRequiredService<JanusMetrics>().AuthRefusals(AuthRefusal.InvalidToken));
    }

    [Fact]
    public async Task A_token_with_the_configured_issuer_and_audience_is_accepted()
    {
        await using JanusTestServer server = await StartAsync(new() { ["Janus:Auth:Issuer"] = "https://issuer.example", ["Janus:Auth:Audience"] = "janus" });
        await using RawTcpClient client = await server.ConnectTcpAsync();
        JsonElement hello = await HelloAsync(client, _tokens.Create("alice", ["private:a"], _time.GetUtcNow().AddMinutes(5), "https://issuer.example", "janus"));
        Assert.Equal("alice", hello.GetProperty("hello").GetProperty("auth").GetProperty("sub").GetString());
    }

    [Fact]
    public async Task An_RS256_token_is_validated_with_the_public_key_from_a_PEM_file()
    {
        using TestTokens rsa = TestTokens.Rs256();
        await using JanusTestServer server = await JanusTestServer.StartAsync(rsa.Settings("private:*"), s => s.AddSingleton<TimeProvider>(_time));
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await HelloAsync(client, rsa.Create("alice", ["private:a"], _time.GetUtcNow().AddMinutes(5)));
        Assert.Contains("\"subscribed\":\"private:a\"", await SubscribeAsync(client, "private:a"), StringComparison.Ordinal);

        // An HS256 token is not accepted where only an RSA key is configured.
        await using RawTcpClient forged = await server.ConnectTcpAsync();
        await forged.SendAsync(Hello(_tokens.Create("alice", ["private:a"], _time.GetUtcNow().AddMinutes(5))));
        await forged.ReadUntilClosedWithErrorAsync(ProtocolError.InvalidToken);
    }

    [Fact]
    public async Task A_resumed_session_keeps_its_token_s_expiry()
    {
        await using JanusTestServer server = await StartAsync();
        RawTcpClient first = await server.ConnectTcpAsync(readGreeting: false);
        string sessionToken = SessionClient.TokenOf(await first.ReadMessageAsync());
        await HelloAsync(first, Token("alice", ["private:a"], TimeSpan.FromSeconds(60)));
        JsonElement subscribed = JsonDocument.Parse(await SubscribeAsync(first, "private:a")).RootElement;
        await first.DisposeAsync();

        // Resumed without a token of its own at 10 s: the grant and its expiry came along.
        Advance(10);
        await using RawTcpClient second = await server.ConnectTcpAsync();
        var positions = new Dictionary<string, (long, string)> { ["private:a"] = (subscribed.GetProperty("offset").GetInt64(), subscribed.GetProperty("epoch").GetString()!) };
        await second.SendAsync(SessionClient.ResumeFrame(sessionToken, positions));
        Assert.True(JsonDocument.Parse(await ReadAsync(second)).RootElement.GetProperty("resumed").GetBoolean());

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:a", 1));
        Assert.Equal(1, JsonDocument.Parse(await ReadAsync(second)).RootElement.GetProperty("message_id").GetInt64());

        Advance(51);
        AssertTopicError(await ReadAsync(second), ProtocolError.TokenExpired, "private:a");
    }

    [Fact]
    public async Task A_resume_checks_authorization_again_with_the_token_the_new_connection_presented()
    {
        await using JanusTestServer server = await StartAsync();
        RawTcpClient first = await server.ConnectTcpAsync(readGreeting: false);
        string sessionToken = SessionClient.TokenOf(await first.ReadMessageAsync());
        await HelloAsync(first, Token("alice", ["private:a", "private:b"], TimeSpan.FromSeconds(60)));
        await SubscribeAsync(first, "private:a");
        await SubscribeAsync(first, "private:b");
        await first.DisposeAsync();

        await using RawTcpClient second = await server.ConnectTcpAsync();
        await HelloAsync(second, Token("alice", ["private:b"], TimeSpan.FromSeconds(60)));
        await second.SendAsync(SessionClient.ResumeFrame(sessionToken, []));
        Assert.True(JsonDocument.Parse(await ReadAsync(second)).RootElement.GetProperty("resumed").GetBoolean());
        AssertTopicError(await ReadAsync(second), ProtocolError.Unauthorized, "private:a");
    }

    [Fact]
    public async Task A_session_whose_token_expired_while_parked_is_told_on_resume()
    {
        await using JanusTestServer server = await StartAsync();
        RawTcpClient first = await server.ConnectTcpAsync(readGreeting: false);
        string sessionToken = SessionClient.TokenOf(await first.ReadMessageAsync());
        await HelloAsync(first, Token("alice", ["private:a"], TimeSpan.FromSeconds(20)));
        JsonElement subscribed = JsonDocument.Parse(await SubscribeAsync(first, "private:a")).RootElement;
        await SubscribeAsync(first, "news");
        await first.DisposeAsync();

        Advance(25);
        await using RawTcpClient second = await server.ConnectTcpAsync();
        var positions = new Dictionary<string, (long, string)> { ["private:a"] = (subscribed.GetProperty("offset").GetInt64(), subscribed.GetProperty("epoch").GetString()!) };
        await second.SendAsync(SessionClient.ResumeFrame(sessionToken, positions));
        JsonElement resumed = JsonDocument.Parse(await ReadAsync(second)).RootElement;
        Assert.True(resumed.GetProperty("resumed").GetBoolean());
        Assert.False(resumed.GetProperty("topics").TryGetProperty("private:a", out _));
        AssertTopicError(await ReadAsync(second), ProtocolError.TokenExpired, "private:a");
    }

    [Fact]
    public async Task With_nothing_protected_every_topic_is_public_and_acknowledged_as_in_the_original_protocol()
    {
        // With nothing protected (the default), a subscribe costs no check and is answered ACK as in 2009.
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SubscribeAsync("private:a");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("private:a", 1));
        Assert.Equal("private:a", (await client.ReadDeliveryAsync()).Topic);
    }

    private void Advance(int seconds)
    {
        for (int i = 0; i < seconds; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
