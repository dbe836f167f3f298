using Janus.Client.Tests.Support;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Transports;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class CloseTests
{
    [Fact]
    public async Task Server_stopping_ends_the_connection_with_JanusConnectionClosedException()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectLegacyClientAsync();
        await client.AddTopicAsync("events").Within();

        await server.StopAsync();

        // A close without an error frame: the general exception, not the protocol one.
        JanusConnectionClosedException error = await Assert.ThrowsAsync<JanusConnectionClosedException>(() => client.NextAsync());
        Assert.Contains("closed the connection", error.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<JanusConnectionClosedException>(() => client.Completion.Within());
        await Assert.ThrowsAsync<JanusConnectionClosedException>(() => client.AddTopicAsync("again"));
    }

    [Fact]
    public async Task The_server_closing_one_connection_ends_that_client_only()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient closed = await server.ConnectLegacyClientAsync();
        await using JanusClient other = await server.ConnectClientAsync();
        await closed.AddTopicAsync("events").Within();
        await other.AddTopicAsync("events").Within();

        ClientConnection connection = server.GetRequiredService<ConnectionRegistry>().Connections.Single(c => c.Session.Token == closed.Token);
        connection.BeginClose(ProtocolError.None, sendErrorFrame: false);

        await Assert.ThrowsAsync<JanusConnectionClosedException>(() => closed.NextAsync());
        await Assert.ThrowsAsync<JanusConnectionClosedException>(() => closed.Completion.Within());
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "1", "1"u8.ToArray()).Within();
        Assert.Equal("1", (await other.NextAsync()).MessageId);
    }

    [Fact]
    public async Task Dispose_closes_cleanly_and_later_calls_throw_ObjectDisposedException()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        JanusMetrics metrics = server.Metrics();
        JanusClient client = await server.ConnectLegacyClientAsync();
        await client.AddTopicAsync("events").Within();
        Assert.Equal(1, metrics.CurrentConnections(TransportKind.Tcp));

        await client.DisposeAsync().AsTask().Within();

        await Eventually.WaitUntilAsync(() => metrics.CurrentConnections(TransportKind.Tcp) == 0, () => "the server to see the connection closed");
        Assert.Equal(1, metrics.Unsubscribes);
        for (int i = 1; i < ProtocolErrors.Count; i++)
        {
            Assert.Equal(0, metrics.Errors((ProtocolError)i));
        }

        Assert.False(client.IsConnected);
        await client.Completion.Within();
        await foreach (JanusMessage unexpected in client.Messages)
        {
            Assert.Fail($"no message expected, got {unexpected}");
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.AddTopicAsync("events"));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.ReadMessageAsync());
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Messages_buffered_before_dispose_can_still_be_read()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        JanusClient client = await server.ConnectClientAsync();
        await client.AddTopicAsync("events").Within();
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "kept", "1"u8.ToArray()).Within();

        // The ACK of a later subscribe comes after the message in the stream: the message is buffered now.
        await client.AddTopicAsync("barrier").Within();
        await client.DisposeAsync();

        Assert.True(client.TryReadMessage(out JanusMessage? message));
        Assert.Equal("kept", message.MessageId);
    }
}
