using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Sessions;
using Janus.Server.Transports;
using Janus.Testing;
using Xunit.Abstractions;

namespace Janus.Server.Tests.Tcp;

public sealed class SlowConsumerTests(ITestOutputHelper output)
{
    private const int MaxQueueBytes = 64 * 1024;
    private const int PayloadBytes = 8 * 1024;

    // Enough to fill the never-reading client's 4 KiB window, the server's socket buffer, Kestrel's 64 KiB pipe and
    // the 64 KiB queue many times over; the loop stops well before if all goes well.
    private const int MaxMessages = 3000;
    private const int MessagesAfterCut = 50;

    [Fact]
    public async Task A_client_that_never_reads_is_cut_at_the_bound_while_the_others_get_every_message()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Limits:MaxQueueBytes"] = MaxQueueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Long enough that the graceful close (queued bytes, then the error frame) is what we see, not an abort.
            ["Janus:Limits:CloseTimeout"] = "00:01:00",
        });
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        ConnectionRegistry connections = server.GetRequiredService<ConnectionRegistry>();

        await using RawTcpClient slow = await RawTcpClient.ConnectAsync(server.TcpEndPoint!, receiveBufferSize: 4096);
        string token = GreetingTests.Token(await slow.ReadMessageAsync());
        await slow.SubscribeAsync("firehose");
        Assert.True(server.GetRequiredService<SessionRegistry>().TryGet(token, out Session? slowSession));
        OutboundQueue slowQueue = slowSession.Queue;

        await using RawTcpClient fast = await server.ConnectTcpAsync();
        await fast.SubscribeAsync("firehose");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        string payload = "\"" + new string('x', PayloadBytes) + "\"";

        int cutAt = -1;
        long mostQueued = 0;
        int published = 0;
        while (published < MaxMessages && (cutAt < 0 || published < cutAt + MessagesAfterCut))
        {
            // One message at a time, read by the fast client before the next: it never has a backlog of its own.
            await publisher.SendAsync(Frames.PublishCommand("firehose", published, payload));
            Delivery delivery = await fast.ReadDeliveryAsync();
            Assert.Equal(published, delivery.MessageIdNumber);
            published++;

            // Whatever the slow client's queue holds at any moment, it is never over the bound.
            mostQueued = Math.Max(mostQueued, slowQueue.QueuedBytes);
            Assert.True(slowQueue.QueuedBytes <= MaxQueueBytes, $"the slow client's queue holds {slowQueue.QueuedBytes} bytes, over its bound of {MaxQueueBytes}");
            if (cutAt < 0 && metrics.SlowConsumers > 0)
            {
                cutAt = published;
            }
        }

        Assert.True(cutAt > 0, $"the slow client was never cut after {published} messages of {PayloadBytes} bytes");
        Assert.Equal(1, metrics.SlowConsumers);

        // The queue really filled up to its bound before the cut (the message that would pass it is refused).
        Assert.InRange(mostQueued, MaxQueueBytes - (2 * (PayloadBytes + 200)), MaxQueueBytes);

        // Everything the cut client held was dropped, and nothing is queued for it any more.
        Assert.Equal(0, slowQueue.QueuedBytes);
        Assert.Equal(0, slowQueue.Count);

        // Now it reads: what had reached its socket, in order and without gaps, then the slow_consumer frame.
        IReadOnlyList<string> received = await slow.ReadUntilClosedWithErrorAsync(ProtocolError.SlowConsumer);
        int got = received.Count - 1;
        output.WriteLine($"cut after {cutAt} of {published} messages; most queued {mostQueued} bytes; the cut client had received {got}");
        Assert.InRange(got, 1, cutAt - 1);
        for (int i = 0; i < got; i++)
        {
            Assert.Equal(i, Delivery.Parse(received[i]).MessageIdNumber);
        }

        // Its session and subscription are gone; the fast client and the publisher carry on.
        await connections.WaitForCountAsync(2).WaitAsync(RawTcpClient.DefaultTimeout);
        Assert.False(server.GetRequiredService<SessionRegistry>().TryGet(token, out _));
        Assert.True(server.GetRequiredService<TopicRegistry>().TryGet("firehose", out Topic? topic));
        Assert.Equal(1, topic.SubscriberCount);
        await publisher.SendAsync(Frames.PublishCommand("firehose", published, "\"last\""));
        Assert.Equal(published, (await fast.ReadDeliveryAsync()).MessageIdNumber);
    }
}
