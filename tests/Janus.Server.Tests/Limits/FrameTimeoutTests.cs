using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Server.Tests.Tcp;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Limits;

/// <summary>
/// Slowloris on the TCP protocol: a frame started and never finished. Before, every read counted as life, so 300
/// clients sending 65,000 bytes without a NUL and then a byte every 20 s were all still connected at 120 s, holding
/// ~110 KiB each. Now an incomplete frame must complete within <c>Janus:Limits:FrameTimeout</c>, and only whole frames
/// count as life for the heartbeat.
/// </summary>
public sealed class FrameTimeoutTests
{
    [Fact]
    public async Task A_client_that_sends_65000_bytes_without_a_NUL_then_a_byte_every_20_s_is_closed_with_frame_timeout_at_30_s()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(time, ("Janus:Limits:FrameTimeout", "00:00:30"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        // A whole frame and the start of the endless one in one write: the ACK proves the server has read (at least
        // the beginning of) the endless frame too, so its clock is running before time moves.
        await client.SendAsync(Frames.Subscribe("t") + new string('x', 65_000));
        Assert.Equal("ACK", await client.ReadMessageAsync());

        int elapsed = 0;
        while (metrics.Errors(ProtocolError.FrameTimeout) == 0 && elapsed < 40)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            elapsed++;
            if (elapsed % 20 == 0 && metrics.Errors(ProtocolError.FrameTimeout) == 0)
            {
                await client.SendAsync("y");
            }
        }

        // 30 s after the frame began (a sweep or two later if the server read the bytes after the first tick).
        Assert.InRange(elapsed, 30, 32);
        await client.ReadUntilClosedWithErrorAsync(ProtocolError.FrameTimeout);
        Assert.Equal(0, metrics.Errors(ProtocolError.HeartbeatTimeout));
        await server.GetRequiredService<ConnectionRegistry>().WaitForCountAsync(0).WaitAsync(RawTcpClient.DefaultTimeout);
    }

    [Fact]
    public async Task Trickling_an_incomplete_frame_is_not_a_sign_of_life()
    {
        // The frame timeout is out of the way: the heartbeat alone must close the trickler.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(
            time,
            ("Janus:Limits:FrameTimeout", "00:10:00"),
            ("Janus:Heartbeat:Interval", "00:00:30"),
            ("Janus:Heartbeat:Timeout", "00:01:30"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SubscribeAsync("t");

        int elapsed = 0;
        while (metrics.Errors(ProtocolError.HeartbeatTimeout) == 0 && elapsed < 120)
        {
            if (elapsed % 20 == 0)
            {
                await client.SendAsync("y");
            }

            time.Advance(TimeSpan.FromSeconds(1));
            elapsed++;
        }

        Assert.InRange(elapsed, 90, 92);
        IReadOnlyList<string> messages = await client.ReadUntilClosedWithErrorAsync(ProtocolError.HeartbeatTimeout);
        Assert.Contains("PING", messages);
    }

    [Fact]
    public async Task A_frame_that_completes_within_the_deadline_is_served_and_restarts_nothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(time, ("Janus:Limits:FrameTimeout", "00:00:30"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        // Three subscribes, each split over 20 s: 60 s of frames in progress, none of them 30 s old.
        for (int i = 0; i < 3; i++)
        {
            string frame = Frames.Subscribe("slow-" + i);
            await client.SendAsync(frame[..10]);
            for (int s = 0; s < 20; s++)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }

            await client.SendAsync(frame[10..]);
            string answer;
            while ((answer = await client.ReadMessageAsync()) == "PING")
            {
                // A heartbeat PING may come first (only whole frames count as life); it is not what this test is about.
            }

            Assert.Equal("ACK", answer);
        }

        Assert.Equal(0, metrics.Errors(ProtocolError.FrameTimeout));
    }
}
