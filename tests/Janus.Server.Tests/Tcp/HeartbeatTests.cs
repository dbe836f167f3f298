using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Tcp;

/// <summary>
/// Heartbeats with time advanced by a <see cref="FakeTimeProvider"/>: the sweep runs on the test's thread inside
/// <see cref="FakeTimeProvider.Advance"/>, so after each step the server's decision is already made.
/// </summary>
public sealed class HeartbeatTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Janus:Heartbeat:Interval"] = "00:00:30",
        ["Janus:Heartbeat:Timeout"] = "00:01:30",
    };

    [Fact]
    public async Task An_idle_client_gets_PING_after_the_interval_and_a_silent_one_is_closed_after_the_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(Settings, s => s.AddSingleton<TimeProvider>(time));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        DateTimeOffset connectedAt = time.GetUtcNow();

        AdvanceSeconds(time, 29);
        Assert.Equal(0, metrics.HeartbeatPings);

        // The PING goes at 30 s. (The greeting's send stamp may land one sweep late on a busy machine.)
        int waited = 29 + AdvanceUntil(time, () => metrics.HeartbeatPings == 1, maxSeconds: 3);
        Assert.InRange(waited, 30, 32);
        Assert.Equal("PING", await client.ReadMessageAsync());

        // Still idle: another PING one interval later.
        waited += AdvanceUntil(time, () => metrics.HeartbeatPings == 2, maxSeconds: 33);
        Assert.InRange(waited, 60, 62);
        Assert.Equal("PING", await client.ReadMessageAsync());

        // The client never answered: closed at 90 s of silence, counted, with the error frame last.
        AdvanceUntil(time, () => metrics.Errors(ProtocolError.HeartbeatTimeout) == 1, maxSeconds: 30);
        Assert.Equal(TimeSpan.FromSeconds(90), time.GetUtcNow() - connectedAt);
        Assert.Single(await client.ReadUntilClosedWithErrorAsync(ProtocolError.HeartbeatTimeout));
        Assert.Equal(2, metrics.HeartbeatPings);
        await server.GetRequiredService<ConnectionRegistry>().WaitForCountAsync(0).WaitAsync(RawTcpClient.DefaultTimeout);
    }

    [Fact]
    public async Task A_client_that_answers_PONG_stays_open_past_the_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(Settings, s => s.AddSingleton<TimeProvider>(time));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        for (int second = 0; second < 300; second++)
        {
            long pings = metrics.HeartbeatPings;
            time.Advance(Step);
            if (metrics.HeartbeatPings != pings)
            {
                Assert.Equal("PING", await client.ReadMessageAsync());

                // The subscribe after the PONG gets an ACK: proof that the server has read the PONG.
                await client.SendAsync("PONG\0" + Frames.Subscribe("alive"));
                Assert.Equal("ACK", await client.ReadMessageAsync());
            }
        }

        Assert.InRange(metrics.HeartbeatPings, 5, 10);
        Assert.Equal(0, metrics.Errors(ProtocolError.HeartbeatTimeout));
        Assert.Equal(1, server.GetRequiredService<ConnectionRegistry>().Count);
        await client.SubscribeAsync("still-here");
    }

    [Fact]
    public async Task A_client_that_receives_messages_is_not_pinged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(Settings, s => s.AddSingleton<TimeProvider>(time));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        // Both talk every 20 s (the publisher publishes, the subscriber answers with PONG after each message).
        for (int round = 0; round < 10; round++)
        {
            AdvanceSeconds(time, 20);
            await publisher.SendAsync(Frames.PublishCommand("t", round));
            Assert.Equal(round, (await subscriber.ReadDeliveryAsync()).MessageIdNumber);
            await subscriber.SendAsync("PONG\0" + Frames.Subscribe("t"));
            Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        }

        // The publisher hears nothing back, so it alone is pinged; nobody is closed.
        Assert.InRange(metrics.HeartbeatPings, 1, 10);
        Assert.Equal(0, metrics.Errors(ProtocolError.HeartbeatTimeout));
        Assert.Equal(2, server.GetRequiredService<ConnectionRegistry>().Count);
    }

    private static void AdvanceSeconds(FakeTimeProvider time, int seconds)
    {
        for (int i = 0; i < seconds; i++)
        {
            time.Advance(Step);
        }
    }

    /// <summary>Advances one second at a time until <paramref name="done"/>; returns the seconds it took.</summary>
    private static int AdvanceUntil(FakeTimeProvider time, Func<bool> done, int maxSeconds)
    {
        for (int i = 1; i <= maxSeconds; i++)
        {
            time.Advance(Step);
            if (done())
            {
                return i;
            }
        }

        Assert.Fail($"Nothing happened within {maxSeconds} s of fake time.");
        return -1;
    }
}
