using System.Net.Sockets;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Sessions;
using Janus.Server.Transports;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class CleanupTests
{
    private const int Cycles = 1000;
    private const int Workers = 20;

    [Fact]
    public async Task No_topic_session_or_connection_is_left_after_1000_connect_subscribe_disconnect_cycles()
    {
        // Topics with history outlive their subscribers until it expires (SessionHistoryTests); these keep none.
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "0" });
        ConnectionRegistry connections = server.GetRequiredService<ConnectionRegistry>();
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        TopicRegistry topics = server.GetRequiredService<TopicRegistry>();
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            for (int cycle = worker; cycle < Cycles; cycle += Workers)
            {
                await CycleAsync(server, cycle);
            }
        })));

        await connections.WaitForCountAsync(0).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, connections.Count);
        Assert.Equal(0, sessions.Count);
        Assert.Equal(0, topics.Count);
        Assert.Equal(Cycles, metrics.TotalConnections(TransportKind.Tcp));
        Assert.Equal(0, metrics.CurrentConnections(TransportKind.Tcp));
        Assert.Equal(metrics.Subscribes, metrics.Unsubscribes);
        Assert.True(metrics.Subscribes >= Cycles * 2, $"{metrics.Subscribes} subscribes");
    }

    /// <summary>Connects, subscribes to a topic of its own and a shared one, then leaves in one of several ways.</summary>
    private static async Task CycleAsync(JanusTestServer server, int cycle)
    {
        await using RawTcpClient client = await server.ConnectTcpAsync();
        await client.SendAsync(Frames.Prefix + Frames.Subscribe("own-" + cycle) + Frames.Subscribe("shared"));
        await ReadAckAsync(client);
        await ReadAckAsync(client);
        switch (cycle % 5)
        {
            case 0:
                // An ordinary close.
                client.Socket.Close();
                break;
            case 1:
                // A reset: no FIN, the server finds out on its next read.
                client.Socket.LingerState = new LingerOption(true, 0);
                client.Socket.Close();
                break;
            case 2:
                // Half-close, then wait for the server to finish its side.
                client.ShutdownSend();
                Assert.All(await client.ReadUntilClosedAsync(), m => Assert.Equal("shared", Delivery.Parse(m).Topic));
                break;
            case 3:
                // Unsubscribe from one topic first, then close with the rest still subscribed.
                await client.SendAsync(Frames.Unsubscribe("own-" + cycle) + Frames.Subscribe("sync"));
                await ReadAckAsync(client);
                client.Socket.Close();
                break;
            default:
                // Leave through a publish, which the server answers by closing.
                await client.SendAsync("PUBLISH\0" + Frames.PublishBody("shared", cycle));
                await client.ReadToEndAsync();
                break;
        }
    }

    /// <summary>Reads up to the next ACK; other workers' publishes to the shared topic may come first.</summary>
    private static async Task ReadAckAsync(RawTcpClient client)
    {
        string message;
        while ((message = await client.ReadMessageAsync()) != "ACK")
        {
            Assert.Equal("shared", Delivery.Parse(message).Topic);
        }
    }
}
