using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Tests.Tcp;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Limits;

/// <summary>
/// Topics in total. Before, 100 anonymous connections each subscribing to 1,000 distinct 256-character topics were all
/// ACKed (~1.5 MiB per connection, no cap in total). Now a subscribe that would create a topic past
/// <c>Janus:Limits:MaxTopics</c> gets <c>too_many_topics</c>, while subscribes to existing topics keep working.
/// </summary>
public sealed class TopicLimitTests
{
    [Fact]
    public async Task Anonymous_clients_subscribing_to_distinct_long_topics_stop_at_MaxTopics_with_too_many_topics()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(
            time,
            ("Janus:Security:TrustedNetworks", ""),
            ("Janus:Limits:MaxTopics", "250"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        TopicRegistry topics = server.GetRequiredService<TopicRegistry>();

        // Three connections, up to 100 distinct 256-character topics each: 250 topics are ACKed, the third connection
        // is refused at its 51st.
        var clients = new List<RawTcpClient>();
        try
        {
            // One subscribe at a time (input left unread when the server closes would cost the error frame to a reset).
            int acked = 0;
            for (int c = 0; c < 3; c++)
            {
                RawTcpClient client = await server.ConnectTcpAsync();
                clients.Add(client);
                for (int t = 0; t < 100; t++)
                {
                    await client.SendAsync(Frames.Subscribe(LongTopic(c, t)));
                    string answer = await client.ReadMessageAsync();
                    if (answer != "ACK")
                    {
                        TcpClientExtensions.AssertErrorFrame(answer, ProtocolError.TooManyTopics);
                        Assert.Empty(await client.ReadToEndAsync());
                        break;
                    }

                    acked++;
                }
            }

            Assert.Equal(250, acked);
            Assert.Equal(1, metrics.Errors(ProtocolError.TooManyTopics));

            // The refused connection's 50 topics went with it.
            ConnectionRegistry connections = server.GetRequiredService<ConnectionRegistry>();
            await connections.WaitForCountAsync(2).WaitAsync(RawTcpClient.DefaultTimeout);
            Assert.Equal(200, topics.Count);

            // At the limit again, an existing topic still takes subscribers, from anyone; a new one does not.
            await using RawTcpClient late = await server.ConnectTcpAsync();
            for (int t = 0; t < 50; t++)
            {
                await late.SubscribeAsync(LongTopic(3, t));
            }

            await late.SubscribeAsync(LongTopic(0, 0));
            Assert.Equal(250, topics.Count);
            await using RawTcpClient refused = await server.ConnectTcpAsync();
            await refused.SendAsync(Frames.Subscribe("one-too-many"));
            await refused.ReadUntilClosedWithErrorAsync(ProtocolError.TooManyTopics);
            Assert.Equal(2, metrics.Errors(ProtocolError.TooManyTopics));
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static string LongTopic(int client, int topic) => $"{client:D3}-{topic:D4}-".PadRight(256, 'x');
}
