using System.Globalization;
using System.Text;
using Janus.Client.Tests.Support;
using Janus.Protocol;
using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class ErrorTests
{
    private static readonly string TooLongTopic = new('t', 257);

    [Fact]
    public async Task A_refused_subscribe_fails_with_the_servers_code_everywhere()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();

        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(() => client.AddTopicAsync(TooLongTopic).Within());
        Assert.Equal(ProtocolError.InvalidTopic, error.Error);
        Assert.Equal("invalid_topic", error.Code);
        Assert.Equal(ProtocolErrors.Reason(ProtocolError.InvalidTopic), error.Reason);

        // The stream, the completion and every later call say the same.
        Assert.False(client.IsConnected);
        Assert.Equal(ProtocolError.InvalidTopic, (await Assert.ThrowsAsync<JanusProtocolException>(() => client.NextAsync())).Error);
        Assert.Equal(ProtocolError.InvalidTopic, (await Assert.ThrowsAsync<JanusProtocolException>(() => client.Completion.Within())).Error);
        Assert.Equal(ProtocolError.InvalidTopic, (await Assert.ThrowsAsync<JanusProtocolException>(() => client.AddTopicAsync("ok"))).Error);
        Assert.Equal(ProtocolError.InvalidTopic, (await Assert.ThrowsAsync<JanusProtocolException>(async () => await client.PublishAsync("ok", "e", "1", "1"u8.ToArray()))).Error);
    }

    [Fact]
    public async Task Messages_before_the_error_are_still_delivered_then_the_stream_fails()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();
        await client.AddTopicAsync("events").Within();
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "before", "1"u8.ToArray()).Within();

        await Assert.ThrowsAsync<JanusProtocolException>(() => client.AddTopicAsync(TooLongTopic).Within());

        var received = new List<string?>();
        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(async () =>
        {
            await foreach (JanusMessage message in client.ReadAllAsync().WithCancellation(new CancellationTokenSource(TestTimeouts.Await).Token))
            {
                received.Add(message.MessageId);
            }
        });
        Assert.Equal(["before"], received);
        Assert.Equal(ProtocolError.InvalidTopic, error.Error);
    }

    [Fact]
    public async Task A_publish_once_with_a_too_long_topic_fails_with_invalid_topic()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();

        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(
            () => JanusClient.PublishOnceAsync(server.TcpEndPoint!, TooLongTopic, "e", "1", "1"u8.ToArray()).Within());
        Assert.Equal(ProtocolError.InvalidTopic, error.Error);
    }

    [Fact]
    public async Task Publishing_from_an_untrusted_address_fails_with_publish_forbidden()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Security:TrustedNetworks"] = "" });
        await using JanusClient client = await server.ConnectClientAsync();

        // No reply to a publish: the refusal arrives as the connection's end.
        await client.PublishAsync("events", "e", "1", "1"u8.ToArray()).Within();
        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(() => client.NextAsync());
        Assert.Equal(ProtocolError.PublishForbidden, error.Error);

        JanusProtocolException once = await Assert.ThrowsAsync<JanusProtocolException>(
            () => JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "1", "1"u8.ToArray()).Within());
        Assert.Equal(ProtocolError.PublishForbidden, once.Error);
    }

    [Fact]
    public async Task Too_many_subscriptions_fails_the_subscribe_that_passed_the_limit()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Limits:MaxSubscriptionsPerConnection"] = "2" });
        await using JanusClient client = await server.ConnectClientAsync();
        await client.AddTopicAsync("a").Within();
        await client.AddTopicAsync("b").Within();

        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(() => client.AddTopicAsync("c").Within());
        Assert.Equal(ProtocolError.TooManySubscriptions, error.Error);
    }

    [Fact]
    public async Task A_reading_slow_consumer_gets_slow_consumer_not_a_bare_close()
    {
        // Regression: when the queue overflowed while the connection's drain was running, the drain completed the
        // output before the error frame was set, and the client saw a close without a reason. A race, so many
        // rounds, each of which must end with the error frame (with 5 rounds and a reader that never pauses, 4 runs in 5 failed without the fix).
        const string QueueBytes = "65536";
        const int BurstFrames = 2000;
        const int Rounds = 5;
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Limits:MaxQueueBytes"] = QueueBytes });
        JanusMetrics metrics = server.Metrics();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        for (int round = 1; round <= Rounds; round++)
        {
            // A topic per round: bursts of the last round still in flight reach no one this round.
            string topic = "flood-" + round.ToString(CultureInfo.InvariantCulture);
            var burst = new StringBuilder();
            for (int i = 0; i < BurstFrames; i++)
            {
                burst.Append("{\"action\":\"publish\",\"topic\":\"").Append(topic).Append("\",\"event\":\"tick\",\"message_id\":\"id\",\"data\":{\"price\":12.5}}\0");
            }

            byte[] bytes = Encoding.UTF8.GetBytes(burst.ToString());
            await using JanusClient subscriber = await server.ConnectLegacyClientAsync();
            await subscriber.AddTopicAsync(topic).Within();
            Task<Exception?> reading = Task.Run(async () =>
            {
                try
                {
                    // A reader, but a slow one: the server's own drain (which may run inline on the publisher's
                    // thread) must not be able to keep its queue under the bound.
                    int count = 0;
                    await foreach (JanusMessage message in subscriber.Messages)
                    {
                        if (++count % 256 == 0)
                        {
                            await Task.Delay(1);
                        }
                    }

                    return null;
                }
                catch (Exception ex)
                {
                    return ex;
                }
            });

            // Bursts until the server has cut the subscriber (bounded: a server that never did would fail below).
            var sending = System.Diagnostics.Stopwatch.StartNew();
            while (metrics.SlowConsumers < round && sending.Elapsed < TimeSpan.FromSeconds(30))
            {
                await publisher.SendAsync(bytes);
            }

            Assert.Equal(round, metrics.SlowConsumers);
            Exception? error = await reading.WaitAsync(TestTimeouts.Await);
            Assert.Equal(ProtocolError.SlowConsumer, Assert.IsType<JanusProtocolException>(error).Error);
        }
    }
}
