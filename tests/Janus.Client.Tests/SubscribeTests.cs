using Janus.Client.Tests.Support;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class SubscribeTests
{
    [Fact]
    public async Task Subscriber_receives_what_is_published_to_its_topic()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "created", "m-1", """{"x": 1, "tags": ["a", "b"]}"""u8.ToArray()).Within();

        JanusMessage message = await subscriber.NextAsync();
        Assert.Equal("events", message.Topic);
        Assert.Equal("created", message.Event);
        Assert.Equal("m-1", message.MessageId);
        Assert.Equal("""{"x":1,"tags":["a","b"]}""", System.Text.Encoding.UTF8.GetString(message.RawData.Span));
        Assert.Equal(1, message.Data.GetProperty("x").GetInt32());
        Assert.Equal("b", message.Data.GetProperty("tags")[1].GetString());
    }

    [Fact]
    public async Task Only_subscribed_topics_are_delivered()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("wanted").Within();

        await publisher.PublishAsync("other", "e", "1", "1"u8.ToArray()).Within();
        await publisher.PublishAsync("wanted", "e", "2", "2"u8.ToArray()).Within();

        JanusMessage message = await subscriber.NextAsync();
        Assert.Equal("wanted", message.Topic);
        Assert.Equal("2", message.MessageId);
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("a").Within();
        await subscriber.UnsubscribeAsync("a").Within();

        // The unsubscribe has no reply; the ACK of a later subscribe on the same connection proves it was read.
        await subscriber.AddTopicAsync("b").Within();

        // Published in this order on one connection: were "a" still subscribed, its message would come first.
        await publisher.PublishAsync("a", "e", "to-a", "null"u8.ToArray()).Within();
        await publisher.PublishAsync("b", "e", "to-b", "null"u8.ToArray()).Within();

        JanusMessage message = await subscriber.NextAsync();
        Assert.Equal("b", message.Topic);
        Assert.Equal("to-b", message.MessageId);
        Assert.False(subscriber.TryReadMessage(out _));
    }

    [Fact]
    public async Task Concurrent_subscribes_each_complete_with_their_own_ack()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();

        Task[] subscribes = new Task[200];
        for (int i = 0; i < subscribes.Length; i++)
        {
            subscribes[i] = subscriber.AddTopicAsync("topic-" + i);
        }

        await Task.WhenAll(subscribes).Within();
        Assert.Equal(200, server.Metrics().Subscribes);
    }

    [Fact]
    public async Task A_duplicate_subscribe_is_acknowledged_and_messages_come_once()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();
        await subscriber.AddTopicAsync("events").Within();

        await publisher.PublishAsync("events", "e", "1", "1"u8.ToArray()).Within();
        await publisher.PublishAsync("events", "e", "2", "2"u8.ToArray()).Within();

        Assert.Equal("1", (await subscriber.NextAsync()).MessageId);
        Assert.Equal("2", (await subscriber.NextAsync()).MessageId);
    }

    [Fact]
    public async Task Messages_can_be_read_as_an_async_stream()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();
        for (int i = 0; i < 3; i++)
        {
            await publisher.PublishAsync("events", "tick", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "{}"u8.ToArray()).Within();
        }

        var ids = new List<string?>();
        using var timeout = new CancellationTokenSource(TestTimeouts.Await);
        await foreach (JanusMessage message in subscriber.Messages.WithCancellation(timeout.Token))
        {
            ids.Add(message.MessageId);
            if (ids.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["0", "1", "2"], ids);
    }
}
