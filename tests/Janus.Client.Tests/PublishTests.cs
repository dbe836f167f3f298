using System.Globalization;
using System.Text;
using System.Text.Json;
using Janus.Client.Tests.Support;
using Janus.Server.Fanout;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class PublishTests
{
    [Fact]
    public async Task Publish_over_the_json_action_reaches_another_client_and_keeps_the_connection()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        await publisher.PublishAsync("events", "first", "1", """{"n":1}"""u8.ToArray()).Within();
        await publisher.PublishAsync("events", "second", "2", """{"n":2}"""u8.ToArray()).Within();

        JanusMessage first = await subscriber.NextAsync();
        JanusMessage second = await subscriber.NextAsync();
        Assert.Equal(("first", "1", 1), (first.Event, first.MessageId, first.Data.GetProperty("n").GetInt32()));
        Assert.Equal(("second", "2", 2), (second.Event, second.MessageId, second.Data.GetProperty("n").GetInt32()));
        Assert.True(publisher.IsConnected);
        Assert.Equal(2, server.Metrics().Publishes(TransportKind.Tcp));
    }

    [Fact]
    public async Task Publish_once_does_what_the_original_bot_did_and_the_server_closes()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "7", "[1,2,3]"u8.ToArray()).Within();

        // Completed only after the server closed the publisher's connection: it has taken and fanned out the publish.
        Assert.Equal(1, server.Metrics().Publishes(TransportKind.Tcp));
        JanusMessage message = await subscriber.NextAsync();
        Assert.Equal("[1,2,3]", Encoding.UTF8.GetString(message.RawData.Span));
        await Eventually.WaitUntilAsync(() => server.Metrics().CurrentConnections(TransportKind.Tcp) == 1, () => "the publisher's connection to close");
    }

    [Fact]
    public async Task Publish_with_a_source_generated_type_round_trips_through_GetData()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("quotes").Within();
        var quote = new Quote("JNS", 12.5m, [100, 200]);

        await publisher.PublishAsync("quotes", "quote", "q1", quote, TestJsonContext.Default.Quote).Within();
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "quotes", "quote", "q2", quote with { Price = 13m }, TestJsonContext.Default.Quote).Within();

        Quote? first = (await subscriber.NextAsync()).GetData(TestJsonContext.Default.Quote);
        Quote? second = (await subscriber.NextAsync()).GetData(TestJsonContext.Default.Quote);
        Assert.Equal(("JNS", 12.5m), (first!.Symbol, first.Price));
        Assert.Equal([100, 200], first.Sizes);
        Assert.Equal(13m, second!.Price);
    }

    [Fact]
    public async Task Publish_a_JsonElement_and_null_fields()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();
        using JsonDocument data = JsonDocument.Parse("""{"text":"h\u00e9llo \"quoted\""}""");

        await publisher.PublishAsync("events", eventName: null, messageId: null, data.RootElement).Within();

        JanusMessage message = await subscriber.NextAsync();
        Assert.Null(message.Event);
        Assert.Null(message.MessageId);
        Assert.Equal("héllo \"quoted\"", message.Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Invalid_raw_data_is_refused_before_anything_is_sent()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(async () => await client.PublishAsync("events", "e", "1", "{not json"u8.ToArray()));
        Assert.Equal("utf8JsonData", error.ParamName);

        // Nothing half-written went out: the connection still speaks the protocol.
        await client.AddTopicAsync("events").Within();
        Assert.True(client.IsConnected);
        Assert.Equal(0, server.Metrics().Publishes(TransportKind.Tcp));
    }

    [Fact]
    public async Task Many_messages_arrive_complete_and_in_order()
    {
        const int Count = 2000;
        await using JanusTestServer server = await JanusTestServer.StartAsync();

        // The reader may lag the publisher by the whole burst: the stream holds it, since a full stream drops (the
        // receive loop never waits for a reader).
        await using JanusClient subscriber = await server.ConnectClientAsync(new JanusClientOptions { MessageBufferCapacity = Count });
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();

        Task reader = Task.Run(async () =>
        {
            for (int i = 0; i < Count; i++)
            {
                JanusMessage message = await subscriber.NextAsync();
                Assert.Equal(i.ToString(CultureInfo.InvariantCulture), message.MessageId);
                Assert.Equal(i, message.Data.GetProperty("i").GetInt32());
            }
        });
        for (int i = 0; i < Count; i++)
        {
            await publisher.PublishAsync("events", "e", i.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes($"{{\"i\":{i}}}"));
        }

        await reader.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, subscriber.DroppedMessages);
    }

    [Fact]
    public async Task A_message_larger_than_many_socket_reads_arrives_intact()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient subscriber = await server.ConnectClientAsync(new JanusClientOptions { ReceiveBufferSize = 1024 });
        await using JanusClient publisher = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("big").Within();
        string text = string.Create(60_000, 0, static (span, _) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i % 26));
            }
        });

        await publisher.PublishAsync("big", "e", "1", text, TestJsonContext.Default.String).Within();

        JanusMessage message = await subscriber.NextAsync();
        Assert.Equal(text, message.Data.GetString());
    }
}
