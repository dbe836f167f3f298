using Janus.Client.Tests.Support;
using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Client.Tests;

/// <summary>Subscribe tokens from the client's side: sent in hello, refreshed before expiry, refusals per topic.</summary>
public sealed class AuthorizationTests : IDisposable
{
    private readonly TestTokens _tokens = TestTokens.Hs256();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _tokens.Dispose();

    private Task<JanusTestServer> StartAsync() =>
        JanusTestServer.StartAsync(_tokens.Settings("private:*"), s => s.AddSingleton<TimeProvider>(_time));

    private string Token(TimeSpan lifetime, params string[] topics) => _tokens.Create("alice", topics, _time.GetUtcNow() + lifetime);

    [Fact]
    public async Task A_client_with_a_token_subscribes_to_a_protected_topic_and_a_refused_topic_throws_without_closing_the_connection()
    {
        await using JanusTestServer server = await StartAsync();
        await using JanusClient client = await server.ConnectClientAsync(new JanusClientOptions { Token = Token(TimeSpan.FromMinutes(5), "private:a"), TimeProvider = _time });
        await using JanusSubscription allowed = await client.SubscribeCoreAsync("private:a").Within();

        JanusAuthorizationException refused = await Assert.ThrowsAsync<JanusAuthorizationException>(() => client.SubscribeCoreAsync("private:b").Within());
        Assert.Equal(ProtocolError.Unauthorized, refused.Error);
        Assert.Equal("private:b", refused.Topic);

        await using JanusClient publisher = await server.ConnectClientAsync();
        await publisher.PublishAsync("private:a", "e", "1", "1"u8.ToArray()).Within();
        JanusMessage message = await allowed.ReadMessageAsync().AsTask().WaitAsync(TestTimeouts.Await);
        Assert.Equal("private:a", message.Topic);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_client_without_sessions_presents_its_token_in_auth()
    {
        await using JanusTestServer server = await StartAsync();
        await using JanusClient client = await server.ConnectLegacyClientAsync(new JanusClientOptions { Token = Token(TimeSpan.FromMinutes(5), "private:a"), TimeProvider = _time });
        await client.AddTopicAsync("private:a").Within();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await publisher.PublishAsync("private:a", "e", "1", "1"u8.ToArray()).Within();
        Assert.Equal("private:a", (await client.NextAsync()).Topic);
    }

    [Fact]
    public async Task The_token_provider_is_asked_again_before_expiry_and_the_protected_subscription_never_ends()
    {
        await using JanusTestServer server = await StartAsync();
        JanusMetrics metrics = server.Metrics();
        int calls = 0;
        var clientTime = new CountingTimeProvider(_time);
        var options = new JanusClientOptions
        {
            TimeProvider = clientTime,
            TokenRefreshBefore = TimeSpan.FromSeconds(20),
            TokenProvider = _ =>
            {
                Interlocked.Increment(ref calls);
                return ValueTask.FromResult(Token(TimeSpan.FromSeconds(60), "private:a"));
            },
        };
        await using JanusClient client = await server.ConnectClientAsync(options);
        await using JanusSubscription subscription = await client.SubscribeCoreAsync("private:a").Within();
        Assert.Equal(1, calls);

        // Three token lifetimes: a fresh token goes out 20 s before each expiry. Time moves on only once the client
        // has set its timer for the next refresh (the server's answer to auth has arrived).
        for (int second = 0; second < 180; second++)
        {
            await Eventually.WaitUntilAsync(() => clientTime.Timers >= Volatile.Read(ref calls), () => $"the refresh timer after call {calls}");
            _time.Advance(TimeSpan.FromSeconds(1));
            int expected = 1 + ((second + 1) / 40);
            await Eventually.WaitUntilAsync(() => Volatile.Read(ref calls) >= expected, () => $"{calls} provider calls at {second + 1} s, expected {expected}");
        }

        Assert.Equal(5, calls);

        Assert.Equal(0, metrics.AuthRefusals(AuthRefusal.TokenExpired));
        await using JanusClient publisher = await server.ConnectClientAsync();
        await publisher.PublishAsync("private:a", "e", "1", "1"u8.ToArray()).Within();
        Assert.Equal("private:a", (await subscription.ReadMessageAsync().AsTask().WaitAsync(TestTimeouts.Await)).Topic);
    }

    [Fact]
    public async Task Without_a_fresh_token_the_protected_stream_ends_with_token_expired_and_public_ones_go_on()
    {
        await using JanusTestServer server = await StartAsync();
        await using JanusClient client = await server.ConnectClientAsync(new JanusClientOptions { Token = Token(TimeSpan.FromSeconds(30), "private:a"), TimeProvider = _time });
        await using JanusSubscription secret = await client.SubscribeCoreAsync("private:a").Within();
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();

        for (int second = 0; second < 31; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        JanusAuthorizationException ended = await Assert.ThrowsAsync<JanusAuthorizationException>(async () =>
        {
            await foreach (JanusMessage _ in secret.ReadAllAsync().WithCancellation(new CancellationTokenSource(TestTimeouts.Await).Token))
            {
            }
        });
        Assert.Equal(ProtocolError.TokenExpired, ended.Error);

        await using JanusClient publisher = await server.ConnectClientAsync();
        await publisher.PublishAsync("news", "e", "1", "1"u8.ToArray()).Within();
        Assert.Equal("news", (await news.ReadMessageAsync().AsTask().WaitAsync(TestTimeouts.Await)).Topic);
    }

    /// <summary>The test's clock, counting the timers the client sets (each refresh waits on one).</summary>
    private sealed class CountingTimeProvider(TimeProvider inner) : TimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
