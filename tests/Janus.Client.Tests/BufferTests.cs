using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Janus.Client.Tests.Support;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class BufferTests
{
    [Fact]
    public async Task Drop_oldest_keeps_the_newest_messages_and_counts_the_dropped()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync(new JanusClientOptions
        {
            MessageBufferCapacity = 2,
            MessageBufferFullMode = BoundedChannelFullMode.DropOldest,
        });
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        for (int i = 0; i < 10; i++)
        {
            await publisher.PublishAsync("events", "e", i.ToString(CultureInfo.InvariantCulture), "1"u8.ToArray()).Within();
        }

        // Barriers: the publisher's ACK proves its publishes were fanned out; the subscriber's then comes after them.
        await publisher.AddTopicAsync("barrier").Within();
        await subscriber.AddTopicAsync("barrier").Within();

        Assert.Equal(8, subscriber.DroppedMessages);
        Assert.True(subscriber.TryReadMessage(out JanusMessage? first));
        Assert.True(subscriber.TryReadMessage(out JanusMessage? second));
        Assert.False(subscriber.TryReadMessage(out _));
        Assert.Equal(("8", "9"), (first.MessageId, second.MessageId));
    }

    [Fact]
    public async Task A_raw_handler_gets_each_delivery_as_bytes_and_the_stream_stays_empty()
    {
        var raw = new ConcurrentQueue<(string Text, DateTimeOffset ReceivedAt)>();
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync(new JanusClientOptions
        {
            RawMessageHandler = (message, receivedAt) => raw.Enqueue((Encoding.UTF8.GetString(message), receivedAt)),
        });
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        for (int i = 0; i < 3; i++)
        {
            await publisher.PublishAsync("events", "e", i.ToString(CultureInfo.InvariantCulture), "{\"k\":true}"u8.ToArray()).Within();
        }

        await publisher.AddTopicAsync("barrier").Within();
        await subscriber.AddTopicAsync("barrier").Within();

        Assert.Equal(3, raw.Count);
        int expected = 0;
        foreach ((string text, DateTimeOffset receivedAt) in raw)
        {
            Assert.Matches($$"""^\{"timestamp":\[\d+,\d+,\d+\],"topic":"events","event":"e","message_id":"{{expected}}","data":\{"k":true\}(,"offset":\d+,"epoch":"[^"]+")?\}$""", text);
            Assert.True(JanusMessage.TryParse(Encoding.UTF8.GetBytes(text), receivedAt, out JanusMessage? parsed));
            Assert.InRange(parsed.Latency, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            expected++;
        }

        Assert.False(subscriber.TryReadMessage(out _));
    }

    [Fact]
    public async Task A_full_stream_nobody_reads_drops_and_never_holds_up_a_subscribe()
    {
        // Regression: with the old Wait mode an unread Messages stream stopped the receive loop, so a subscribe's ACK
        // behind the messages was never read and SubscribeAsync hung.
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync(new JanusClientOptions { MessageBufferCapacity = 1 });
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        for (int i = 0; i < 50; i++)
        {
            await publisher.PublishAsync("events", "1"u8.ToArray(), eventName: "e", messageId: i.ToString(CultureInfo.InvariantCulture)).Within();
        }

        await publisher.AddTopicAsync("barrier").Within();
        await subscriber.AddTopicAsync("barrier").Within();

        Assert.Equal(49, subscriber.DroppedMessages);
        Assert.True(subscriber.TryReadMessage(out JanusMessage? kept));
        Assert.Equal("0", kept.MessageId);
    }

    [Fact]
    public void Wait_mode_is_refused_because_it_would_stall_the_receive_loop()
    {
        var options = new JanusClientOptions { MessageBufferFullMode = BoundedChannelFullMode.Wait };
        Assert.Throws<ArgumentOutOfRangeException>(() => new JanusClient(options));
    }
}
