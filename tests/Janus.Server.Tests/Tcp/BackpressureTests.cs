using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class BackpressureTests
{
    private const int Messages = 6000;
    private const int PayloadBytes = 1000;
    private const int LargePayloadBytes = 60_000;

    /// <summary>
    /// A subscriber that stops reading fills its socket, and the server's writes to it wait for room (below the
    /// slow-consumer bound). When it reads again, every message arrives, in order: what a full socket refused leaves
    /// with the next write, together with what was queued meanwhile.
    /// </summary>
    [Fact]
    public async Task A_subscriber_that_stops_reading_then_reads_again_gets_every_message_in_order()
    {
        // A bound high enough for more than the kernel's socket buffers can take (their autotuned maximum is 4 MiB).
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Limits:MaxQueueBytes"] = "67108864" });
        await using RawTcpClient paused = await RawTcpClient.ConnectAsync(server.TcpEndPoint!, receiveBufferSize: 4096);
        await paused.ReadMessageAsync();
        await paused.SubscribeAsync("backlog");
        await using RawTcpClient witness = await server.ConnectTcpAsync();
        await witness.SubscribeAsync("backlog");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        // Many small messages (megabytes: more than the socket buffers take, so writes meet a full socket), then one
        // large one, last in the queue.
        for (int i = 0; i < Messages; i++)
        {
            await publisher.SendAsync(Frames.PublishCommand("backlog", i, "\"" + new string('x', PayloadBytes) + "\""));
        }

        for (int i = 0; i < Messages; i++)
        {
            Assert.Equal(i, (await witness.ReadDeliveryAsync()).MessageIdNumber);
        }

        await publisher.SendAsync(Frames.PublishCommand("backlog", Messages, "\"" + new string('y', LargePayloadBytes) + "\""));
        Assert.Equal(Messages, (await witness.ReadDeliveryAsync()).MessageIdNumber);

        // Once the witness has them, the server has queued them for the paused client too (~6 MB: more than its socket
        // takes, less than the bound set above). Now it reads.
        for (int i = 0; i < Messages; i++)
        {
            Assert.Equal(i, (await paused.ReadDeliveryAsync()).MessageIdNumber);
        }

        Delivery last = await paused.ReadDeliveryAsync();
        Assert.Equal(Messages, last.MessageIdNumber);
    }
}
