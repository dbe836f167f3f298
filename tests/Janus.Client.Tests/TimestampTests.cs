using Janus.Client.Tests.Support;
using Janus.Protocol;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Client.Tests;

public sealed class TimestampTests
{
    [Fact]
    public async Task Timestamp_and_latency_are_plausible_on_one_machine()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        DateTimeOffset before = DateTimeOffset.UtcNow;
        await publisher.PublishAsync("events", "e", "1", "{}"u8.ToArray()).Within();
        JanusMessage message = await subscriber.NextAsync();
        DateTimeOffset after = DateTimeOffset.UtcNow;

        // Same clock on both ends; the wire keeps microseconds, so allow the truncation below "before".
        Assert.InRange(message.Timestamp, before.AddTicks(-10), after);
        Assert.InRange(message.ReceivedAt, message.Timestamp, after);
        Assert.Equal(message.ReceivedAt - message.Timestamp, message.Latency);
        Assert.InRange(message.Latency, TimeSpan.Zero, after - before + TimeSpan.FromTicks(10));
        Assert.Equal(0, message.Timestamp.Ticks % 10);
    }

    [Fact]
    public async Task Timestamp_is_the_servers_publish_time_to_the_microsecond()
    {
        var publishTime = new DateTimeOffset(2031, 12, 31, 23, 59, 58, TimeSpan.Zero).AddTicks(9_999_990);
        var fake = new FakeTimeProvider(publishTime);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(fake));
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "1", "1"u8.ToArray()).Within();
        JanusMessage message = await subscriber.NextAsync();

        Assert.Equal(publishTime, message.Timestamp);
        Assert.True(ServerMessages.TryReadLeadingTimestamp(message.RawMessage.Span, out ErlangTimestamp wire));
        Assert.Equal(new ErlangTimestamp(1956, 527998, 999999), wire);
    }

    [Fact]
    public async Task ReceivedAt_comes_from_the_clients_clock()
    {
        var clientTime = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync(new JanusClientOptions { TimeProvider = clientTime });
        await subscriber.AddTopicAsync("events").Within();

        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "1", "1"u8.ToArray()).Within();
        JanusMessage message = await subscriber.NextAsync();

        Assert.Equal(clientTime.GetUtcNow(), message.ReceivedAt);
        Assert.Equal(clientTime.GetUtcNow() - message.Timestamp, message.Latency);
    }
}
