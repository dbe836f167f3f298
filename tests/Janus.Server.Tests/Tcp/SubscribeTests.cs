using Janus.Server.Fanout;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class SubscribeTests
{
    [Fact]
    public async Task A_subscribe_is_answered_with_ACK()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync(Frames.Subscribe("news"));

        Assert.Equal("ACK", await client.ReadMessageAsync());
        Assert.True(server.GetRequiredService<TopicRegistry>().TryGet("news", out Topic? topic));
        Assert.Equal(1, topic.SubscriberCount);
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_removes_the_empty_topic()
    {
        // A topic with history outlives its last subscriber until the history expires (SessionHistoryTests); this
        // one keeps none.
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "0" });
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("news");
        await publisher.SendAsync(Frames.PublishCommand("news", 1));
        Assert.Equal("1", (await subscriber.ReadDeliveryAsync()).MessageId);

        // Unsubscribe has no reply; the subscribe after it in the same write proves it was handled.
        await subscriber.SendAsync(Frames.Unsubscribe("news") + Frames.Subscribe("marker"));
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        Assert.False(server.GetRequiredService<TopicRegistry>().TryGet("news", out _));

        // Published in this order on one connection: if "news" still reached the subscriber, it would come first.
        await publisher.SendAsync(Frames.PublishCommand("news", 2) + Frames.PublishCommand("marker", 3));

        Delivery next = await subscriber.ReadDeliveryAsync();
        Assert.Equal("marker", next.Topic);
        Assert.Equal("3", next.MessageId);
    }

    [Fact]
    public async Task Unsubscribing_from_a_topic_never_subscribed_is_harmless()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync(Frames.Unsubscribe("never") + Frames.Subscribe("news"));

        Assert.Equal("ACK", await client.ReadMessageAsync());
        Assert.Equal(1, server.GetRequiredService<TopicRegistry>().Count);
    }

    [Fact]
    public async Task A_duplicate_subscribe_is_ACKed_twice_but_delivered_once()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await subscriber.SendAsync(Frames.Subscribe("news") + Frames.Subscribe("news"));
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        Assert.True(server.GetRequiredService<TopicRegistry>().TryGet("news", out Topic? topic));
        Assert.Equal(1, topic.SubscriberCount);

        await publisher.SendAsync(Frames.PublishCommand("news", 1) + Frames.PublishCommand("news", 2));

        // Delivered twice, the second read would be message 1 again.
        Assert.Equal("1", (await subscriber.ReadDeliveryAsync()).MessageId);
        Assert.Equal("2", (await subscriber.ReadDeliveryAsync()).MessageId);
    }

    [Fact]
    public async Task Subscribing_again_after_unsubscribing_delivers_again()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        await subscriber.SendAsync(Frames.Subscribe("news") + Frames.Unsubscribe("news") + Frames.Subscribe("news"));
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        await publisher.SendAsync(Frames.PublishCommand("news", 1));

        Assert.Equal("1", (await subscriber.ReadDeliveryAsync()).MessageId);
    }

    [Fact]
    public async Task Topics_are_exact_names()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await subscriber.SubscribeAsync("News");
        await subscriber.SubscribeAsync("caf\\u00e9");

        await publisher.SendAsync(Frames.PublishCommand("news", 1) + Frames.PublishCommand("News ", 2) + Frames.PublishCommand("café", 3) + Frames.PublishCommand("News", 4));

        // An escaped and a literal é name the same topic; case and spaces matter.
        Delivery first = await subscriber.ReadDeliveryAsync();
        Assert.Equal(("café", "3"), (first.Topic, first.MessageId));
        Delivery second = await subscriber.ReadDeliveryAsync();
        Assert.Equal(("News", "4"), (second.Topic, second.MessageId));
    }
}
