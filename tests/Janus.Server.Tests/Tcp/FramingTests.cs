using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class FramingTests
{
    [Theory]
    [InlineData("<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"t\"}\0")]
    [InlineData("{\"action\":\"subscribe\",\"data\":\"t\"}\0")]
    [InlineData("<regular-socket/>\0<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"t\"}\0<regular-socket/>\0")]
    [InlineData("PING\0<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"t\"}\0")]
    public async Task The_prefix_may_be_present_absent_or_repeated(string write)
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync(write);

        Assert.Equal("ACK", await client.ReadMessageAsync());
    }

    [Fact]
    public async Task Every_write_may_start_with_the_prefix_or_not()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync(Frames.Prefix + Frames.Subscribe("a"));
        Assert.Equal("ACK", await client.ReadMessageAsync());
        await client.SendAsync(Frames.Subscribe("b"));
        Assert.Equal("ACK", await client.ReadMessageAsync());
        await client.SendAsync(Frames.Prefix + Frames.Prefix + Frames.Subscribe("c"));
        Assert.Equal("ACK", await client.ReadMessageAsync());

        await client.SendAsync(Frames.PublishCommand("a", 1) + Frames.PublishCommand("b", 2) + Frames.PublishCommand("c", 3));
        Assert.Equal("1", (await client.ReadDeliveryAsync()).MessageId);
        Assert.Equal("2", (await client.ReadDeliveryAsync()).MessageId);
        Assert.Equal("3", (await client.ReadDeliveryAsync()).MessageId);
    }

    [Fact]
    public async Task A_subscribe_write_split_into_two_writes_at_every_byte_boundary_is_understood()
    {
        // What the original bot writes after connecting.
        byte[] write = Frames.Bytes(Frames.Prefix + "PING\0" + Frames.Subscribe("split"));
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var clients = new List<RawTcpClient>();
        try
        {
            for (int at = 1; at < write.Length; at++)
            {
                RawTcpClient client = await server.ConnectTcpAsync();
                clients.Add(client);
                await client.SendAsync(write[..at]);
                await client.SendAsync(write[at..]);
                Assert.Equal("ACK", await client.ReadMessageAsync());
            }

            // Every one of them is really subscribed.
            await using RawTcpClient publisher = await server.ConnectTcpAsync();
            await publisher.SendAsync(Frames.PublishCommand("split", 42));
            foreach (RawTcpClient client in clients)
            {
                Assert.Equal("42", (await client.ReadDeliveryAsync()).MessageId);
            }
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_PUBLISH_write_split_into_two_writes_at_every_byte_boundary_is_delivered_once()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("split");
        string body = Frames.PublishBody("split", 0, "{\"k\":\"v\",\"n\":[1,2]}");
        int splits = Frames.Bytes(Frames.Prefix + "PUBLISH\0" + body).Length - 1;

        for (int at = 1; at <= splits; at++)
        {
            // The original bot's publish: prefix, PUBLISH, and a body with no NUL; it differs only in its id.
            byte[] write = Frames.Bytes(Frames.Prefix + "PUBLISH\0" + Frames.PublishBody("split", 1000 + at, "{\"k\":\"v\",\"n\":[1,2]}"));
            await using RawTcpClient publisher = await server.ConnectTcpAsync();
            int cut = Math.Min(at, write.Length - 1);
            await publisher.SendAsync(write[..cut]);
            await publisher.SendAsync(write[cut..]);

            // The server hangs up after the publish, so the next publisher goes after this one.
            Assert.Empty(await publisher.ReadUntilClosedAsync());
        }

        for (int at = 1; at <= splits; at++)
        {
            Delivery delivery = await subscriber.ReadDeliveryAsync();
            Assert.Equal((1000 + at).ToString(System.Globalization.CultureInfo.InvariantCulture), delivery.MessageId);
            Assert.Equal("{\"k\":\"v\",\"n\":[1,2]}", delivery.Data);
        }
    }

    [Fact]
    public async Task Several_frames_merged_in_one_write_are_each_handled_in_order()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync(
            Frames.Prefix + "PING\0" + Frames.Subscribe("a") + Frames.Prefix + Frames.Subscribe("b") + "PONG\0\0"
            + Frames.Unsubscribe("a") + Frames.PublishCommand("b", 1) + Frames.PublishCommand("a", 2) + Frames.PublishCommand("b", 3));

        Assert.Equal("ACK", await client.ReadMessageAsync());
        Assert.Equal("ACK", await client.ReadMessageAsync());
        Delivery first = await client.ReadDeliveryAsync();
        Assert.Equal(("b", "1"), (first.Topic, first.MessageId));
        Delivery second = await client.ReadDeliveryAsync();
        Assert.Equal(("b", "3"), (second.Topic, second.MessageId));
    }

    [Fact]
    public async Task Many_publishes_merged_in_one_large_write_arrive_in_order()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("bulk");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        // ~40 KiB in one write: far more than one 1,460-byte segment, which the original could not handle.
        var write = new System.Text.StringBuilder(Frames.Prefix);
        for (int i = 0; i < 500; i++)
        {
            write.Append(Frames.PublishCommand("bulk", i));
        }

        await publisher.SendAsync(write.ToString());

        for (int i = 0; i < 500; i++)
        {
            Assert.Equal(i, (await subscriber.ReadDeliveryAsync()).MessageIdNumber);
        }
    }

    [Fact]
    public async Task A_frame_larger_than_one_tcp_segment_is_understood()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("big");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        string data = "\"" + new string('x', 20_000) + "\"";

        await publisher.SendAsync(Frames.Prefix + "PUBLISH\0" + Frames.PublishBody("big", 1, data));

        Assert.Equal(data, (await subscriber.ReadDeliveryAsync()).Data);
    }
}
