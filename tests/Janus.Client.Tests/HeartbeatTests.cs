using Janus.Client.Tests.Support;
using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Client.Tests;

/// <summary>
/// Server defaults: PING after 30 s without sending, close after 90 s without receiving. The server's clock is fake,
/// so time moves only when a test advances it; the server's byte counter says when it has read the client's answer.
/// </summary>
public sealed class HeartbeatTests
{
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(30);
    private static readonly long PongBytes = "PONG\0".Length;

    [Fact]
    public async Task Server_pings_are_answered_with_pong_and_keep_the_client_past_the_timeout()
    {
        var fake = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(fake));
        JanusMetrics metrics = server.Metrics();
        await using JanusClient client = await server.ConnectLegacyClientAsync();
        await server.WaitForBytesReceivedAsync(ServerExtensions.PrefixBytes);

        // 4 × 30 s = 120 s, past the 90 s silence timeout: only the PONGs speak for the client.
        for (int i = 1; i <= 4; i++)
        {
            fake.Advance(PingInterval);
            Assert.Equal(i, metrics.HeartbeatPings);
            await server.WaitForBytesReceivedAsync(ServerExtensions.PrefixBytes + (i * PongBytes));
            Assert.Equal(0, metrics.Errors(ProtocolError.HeartbeatTimeout));
        }

        Assert.Equal(ServerExtensions.PrefixBytes + (4 * PongBytes), metrics.BytesReceived);
        Assert.True(client.IsConnected);
        await client.AddTopicAsync("still-here").Within();
    }

    [Fact]
    public async Task Without_pongs_the_server_closes_the_client_with_heartbeat_timeout()
    {
        // The control for the test above: the same clock steps, but the client stays silent.
        var fake = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(fake));
        await using JanusClient client = await server.ConnectLegacyClientAsync(new JanusClientOptions { AnswerPings = false });
        await server.WaitForBytesReceivedAsync(ServerExtensions.PrefixBytes);

        for (int i = 0; i < 3; i++)
        {
            fake.Advance(PingInterval);
        }

        Assert.Equal(1, server.Metrics().Errors(ProtocolError.HeartbeatTimeout));
        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(() => client.NextAsync());
        Assert.Equal(ProtocolError.HeartbeatTimeout, error.Error);
        Assert.Equal(ServerExtensions.PrefixBytes, server.Metrics().BytesReceived);
    }

    [Fact]
    public async Task Client_heartbeat_pings_when_the_client_has_written_nothing_since_the_last_tick()
    {
        var clientTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        TimeSpan interval = TimeSpan.FromSeconds(5);
        long pingBytes = "PING\0".Length;
        long subscribeBytes = "{\"action\":\"subscribe\",\"data\":\"a\"}\0".Length;
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        JanusMetrics metrics = server.Metrics();
        await using JanusClient client = await server.ConnectLegacyClientAsync(new JanusClientOptions { HeartbeatInterval = interval, TimeProvider = clientTime });
        await server.WaitForBytesReceivedAsync(ServerExtensions.PrefixBytes);

        clientTime.Advance(interval);
        await server.WaitForBytesReceivedAsync(ServerExtensions.PrefixBytes + pingBytes);

        // A command counts as activity: the next tick stays quiet, the one after pings again. Each subscribe's ACK
        // means the server has read everything sent before it, so the byte count then shows exactly what went out.
        await client.AddTopicAsync("a").Within();
        long afterSubscribe = ServerExtensions.PrefixBytes + pingBytes + subscribeBytes;
        await server.WaitForBytesReceivedAsync(afterSubscribe);
        Assert.Equal(afterSubscribe, metrics.BytesReceived);
        clientTime.Advance(interval);
        clientTime.Advance(interval);
        await server.WaitForBytesReceivedAsync(afterSubscribe + pingBytes);
        await client.AddTopicAsync("a").Within();
        await server.WaitForBytesReceivedAsync(afterSubscribe + pingBytes + subscribeBytes);
        Assert.Equal(afterSubscribe + pingBytes + subscribeBytes, metrics.BytesReceived);
    }
}
