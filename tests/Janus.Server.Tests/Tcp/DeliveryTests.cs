using Janus.Protocol;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class DeliveryTests
{
    [Fact]
    public async Task Deliveries_have_the_keys_timestamp_topic_event_message_id_data_in_order_and_one_timestamp_for_all()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        var subscribers = new List<RawTcpClient>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                RawTcpClient subscriber = await server.ConnectTcpAsync();
                subscribers.Add(subscriber);
                await subscriber.SubscribeAsync("prices");
            }

            await using RawTcpClient publisher = await server.ConnectTcpAsync();
            DateTimeOffset before = DateTimeOffset.UtcNow;

            // The publisher's keys in another order, with whitespace and extra keys.
            await publisher.SendAsync("<regular-socket/>\0PUBLISH\0{ \"data\" : { \"bid\" : [ 1.5, 2 ], \"note\" : \"two  spaces\" }, \"extra\": true, \"message_id\" : \"m-1\", \"event\" : \"tick\", \"topic\" : \"prices\" }");

            var deliveries = new List<Delivery>();
            foreach (RawTcpClient subscriber in subscribers)
            {
                deliveries.Add(await subscriber.ReadDeliveryAsync());
            }

            DateTimeOffset after = DateTimeOffset.UtcNow;
            foreach (Delivery delivery in deliveries)
            {
                Assert.Equal(Delivery.KeyOrder, delivery.Keys);
                Assert.Equal("prices", delivery.Topic);
                Assert.Equal("\"tick\"", delivery.Event);
                Assert.Equal("\"m-1\"", delivery.MessageId);
                Assert.Equal("{\"bid\":[1.5,2],\"note\":\"two  spaces\"}", delivery.Data);
                Assert.Equal(deliveries[0].Raw, delivery.Raw);
            }

            Assert.InRange(deliveries[0].Timestamp.ToDateTimeOffset(), before.AddMilliseconds(-50), after.AddMilliseconds(50));
            Assert.Matches(
                """^\{"timestamp":\[\d+,\d+,\d+\],"topic":"prices","event":"tick","message_id":"m-1","data":\{"bid":\[1\.5,2\],"note":"two  spaces"\}\}$""",
                deliveries[0].Raw);
        }
        finally
        {
            foreach (RawTcpClient subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Missing_event_and_message_id_are_delivered_as_null()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");

        await publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"t\",\"data\":[]}\0");

        Delivery delivery = await subscriber.ReadDeliveryAsync();
        Assert.Equal(Delivery.KeyOrder, delivery.Keys);
        Assert.Equal(("null", "null", "[]"), (delivery.Event, delivery.MessageId, delivery.Data));
    }

    [Fact]
    public async Task Each_publish_is_stamped_when_it_is_fanned_out()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("t");

        await publisher.SendAsync(Frames.PublishCommand("t", 1));
        ErlangTimestamp first = (await subscriber.ReadDeliveryAsync()).Timestamp;
        await publisher.SendAsync(Frames.PublishCommand("t", 2));
        ErlangTimestamp second = (await subscriber.ReadDeliveryAsync()).Timestamp;

        Assert.True(second.ToUnixMicroseconds() > first.ToUnixMicroseconds(), $"{second} should be after {first}");
    }

    [Fact]
    public async Task A_topic_written_with_escapes_is_delivered_as_the_publisher_wrote_it()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("café");

        await publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"caf\\u00e9\",\"data\":\"ü\"}\0");

        Delivery delivery = await subscriber.ReadDeliveryAsync();
        Assert.Equal("café", delivery.Topic);
        Assert.Contains("\"topic\":\"caf\\u00e9\"", delivery.Raw, StringComparison.Ordinal);
        Assert.Equal("\"ü\"", delivery.Data);
    }
}
