using System.Globalization;
using Janus.Client.Tests.Support;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class SubscriptionStreamTests
{
    [Fact]
    public async Task Each_subscription_streams_its_own_topic_in_order()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();
        await using JanusSubscription sport = await client.SubscribeCoreAsync("sport").Within();

        for (int i = 0; i < 5; i++)
        {
            string id = i.ToString(CultureInfo.InvariantCulture);
            await publisher.PublishAsync("news", "1"u8.ToArray(), eventName: "n", messageId: id).Within();
            await publisher.PublishAsync("sport", "2"u8.ToArray(), eventName: "s", messageId: id).Within();
        }

        for (int i = 0; i < 5; i++)
        {
            JanusMessage n = await news.ReadMessageAsync().AsTask().Within();
            JanusMessage s = await sport.ReadMessageAsync().AsTask().Within();
            Assert.Equal(("news", i.ToString(CultureInfo.InvariantCulture)), (n.Topic, n.MessageId));
            Assert.Equal(("sport", i.ToString(CultureInfo.InvariantCulture)), (s.Topic, s.MessageId));
        }

        // Neither went to the client-wide stream, which took no topic.
        Assert.False(client.TryReadMessage(out _));
    }

    [Fact]
    public async Task An_unread_subscription_holds_up_neither_another_subscription_nor_a_subscribe()
    {
        // Regression (issue 13): a stream nobody reads used to stop the receive loop, and with it every ACK behind it.
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync(new JanusClientOptions { MessageBufferCapacity = 4 });
        await using JanusClient publisher = await server.ConnectClientAsync();
        await using JanusSubscription ignored = await client.SubscribeCoreAsync("firehose").Within();
        await using JanusSubscription read = await client.SubscribeCoreAsync("quiet").Within();

        for (int i = 0; i < 200; i++)
        {
            await publisher.PublishAsync("firehose", "{\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"u8.ToArray()).Within();
        }

        await publisher.PublishAsync("quiet", "1"u8.ToArray(), messageId: "hello").Within();

        // A subscribe after the flood is answered, and the other stream gets its message.
        await using JanusSubscription later = await client.SubscribeCoreAsync("later").Within();
        Assert.Equal("hello", (await read.ReadMessageAsync().AsTask().Within()).MessageId);
        Assert.Equal(196, ignored.DroppedMessages);
        Assert.Equal(196, client.DroppedMessages);
    }

    [Fact]
    public async Task Two_subscriptions_to_one_topic_each_get_every_message_and_the_last_one_out_unsubscribes()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        JanusSubscription first = await client.SubscribeCoreAsync("news").Within();
        JanusSubscription second = await client.SubscribeCoreAsync("news").Within();

        await publisher.PublishAsync("news", "1"u8.ToArray(), messageId: "a").Within();
        Assert.Equal("a", (await first.ReadMessageAsync().AsTask().Within()).MessageId);
        Assert.Equal("a", (await second.ReadMessageAsync().AsTask().Within()).MessageId);

        await first.DisposeAsync();
        Assert.Equal(0, server.Metrics().Unsubscribes);
        await second.DisposeAsync();
        await Eventually.WaitUntilAsync(() => server.Metrics().Unsubscribes == 1, () => "the server to read the unsubscribe");

        // A disposed subscription's stream has ended.
        Assert.False(await second.Reader.WaitToReadAsync().AsTask().Within());
    }

    [Fact]
    public async Task Await_foreach_over_SubscribeAsync_reads_the_topic_and_leaving_the_loop_unsubscribes()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        Task<List<string?>> reader = Task.Run(async () =>
        {
            var ids = new List<string?>();
            await foreach (JanusMessage message in client.SubscribeAsync("news"))
            {
                ids.Add(message.MessageId);
                if (ids.Count == 3)
                {
                    break;
                }
            }

            return ids;
        });

        // The enumeration subscribes when it starts: wait for the server to hold the subscription.
        await Eventually.WaitUntilAsync(() => server.Metrics().Subscribes == 1, () => "the subscribe");
        for (int i = 0; i < 3; i++)
        {
            await publisher.PublishAsync("news", "1"u8.ToArray(), messageId: i.ToString(CultureInfo.InvariantCulture)).Within();
        }

        Assert.Equal(["0", "1", "2"], await reader.WaitAsync(TestTimeouts.Await));
        await Eventually.WaitUntilAsync(() => server.Metrics().Unsubscribes == 1, () => "the unsubscribe when the loop ended");
    }
}
