using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class PublishTests
{
    [Fact]
    public async Task A_PUBLISH_body_ended_by_NUL_is_delivered_and_the_publisher_is_closed()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await publisher.SendAsync(Frames.Prefix + "PUBLISH\0" + Frames.PublishBody("t", 1) + "\0");

        Assert.Equal("1", (await subscriber.ReadDeliveryAsync()).MessageId);
        Assert.Empty(await publisher.ReadUntilClosedAsync());
        Assert.Equal(1, server.GetRequiredService<JanusMetrics>().Publishes(TransportKind.Tcp));
    }

    [Fact]
    public async Task A_PUBLISH_body_ended_by_end_of_stream_is_delivered_and_the_publisher_is_closed()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        // What the original bot does: the body, no NUL, then it closes its side. Whether the server sees the end of
        // the object or the end of the stream first depends on TCP timing; either way the message must go out.
        await publisher.SendAsync(Frames.Prefix + "PUBLISH\0" + Frames.PublishBody("t", 2) + "  ");
        publisher.ShutdownSend();

        Assert.Equal("2", (await subscriber.ReadDeliveryAsync()).MessageId);
        Assert.Empty(await publisher.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_PUBLISH_body_without_NUL_is_delivered_as_soon_as_the_object_is_complete()
    {
        // The original bot writes the body with no NUL and waits for the server to hang up.
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await publisher.SendAsync(Frames.Prefix + "PUBLISH\0" + Frames.PublishBody("t", 3, "{\"nested\":{\"deep\":[1,2,3]}}"));

        Delivery delivery = await subscriber.ReadDeliveryAsync();
        Assert.Equal("3", delivery.MessageId);
        Assert.Equal("{\"nested\":{\"deep\":[1,2,3]}}", delivery.Data);
        Assert.Empty(await publisher.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_PUBLISH_body_in_a_later_write_is_delivered()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await publisher.SendAsync("PUBLISH\0");
        await publisher.SendAsync("{\"topic\":\"t\",\"data\":");
        await publisher.SendAsync("\"late\"}");

        Assert.Equal("\"late\"", (await subscriber.ReadDeliveryAsync()).Data);
        Assert.Empty(await publisher.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Publishing_to_a_topic_nobody_subscribes_to_is_counted_and_the_publisher_still_closed()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await publisher.SendAsync("PUBLISH\0" + Frames.PublishBody("nobody", 1));

        Assert.Empty(await publisher.ReadUntilClosedAsync());
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        Assert.Equal(1, metrics.Publishes(TransportKind.Tcp));
        Assert.Equal(0, metrics.Deliveries);
    }

    [Fact]
    public async Task With_CloseAfterPublish_off_the_publisher_stays_open_for_more()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tcp:CloseAfterPublish"] = "false" });
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await publisher.SendAsync("PUBLISH\0" + Frames.PublishBody("t", 1) + "\0PUBLISH\0" + Frames.PublishBody("t", 2));

        Assert.Equal("1", (await subscriber.ReadDeliveryAsync()).MessageId);
        Assert.Equal("2", (await subscriber.ReadDeliveryAsync()).MessageId);
        await publisher.SubscribeAsync("still-open");
    }

    [Fact]
    public async Task A_publish_command_keeps_the_connection_open()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SubscribeAsync("t");

        await client.SendAsync(Frames.PublishCommand("t", 1));
        await client.SendAsync(Frames.PublishCommand("t", 2));

        Assert.Equal("1", (await client.ReadDeliveryAsync()).MessageId);
        Assert.Equal("2", (await client.ReadDeliveryAsync()).MessageId);
        Assert.Equal(2, server.GetRequiredService<JanusMetrics>().Publishes(TransportKind.Tcp));
    }

    [Fact]
    public async Task Publishing_from_an_untrusted_address_is_refused()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Security:TrustedNetworks"] = "10.0.0.0/8" });
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient frame = await server.ConnectTcpAsync();
        await using RawTcpClient command = await server.ConnectTcpAsync();

        await frame.SendAsync("PUBLISH\0" + Frames.PublishBody("t", 1));
        await command.SendAsync(Frames.PublishCommand("t", 2));

        Assert.Single(await frame.ReadUntilClosedWithErrorAsync(ProtocolError.PublishForbidden));
        Assert.Single(await command.ReadUntilClosedWithErrorAsync(ProtocolError.PublishForbidden));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        Assert.Equal(2, metrics.Errors(ProtocolError.PublishForbidden));
        Assert.Equal(0, metrics.Publishes(TransportKind.Tcp));
    }
}
