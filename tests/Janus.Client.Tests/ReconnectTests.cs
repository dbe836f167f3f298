using System.Net;
using Janus.Client.Tests.Support;
using Janus.Protocol;
using Janus.Server.Transports;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class ReconnectTests
{
    private static JanusClientOptions Fast(bool sessions = true) => new()
    {
        Sessions = sessions,
        MessageBufferCapacity = 10_000,
        Reconnect = new JanusReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(200) },
    };

    [Fact]
    public async Task Without_sessions_a_cut_connection_comes_back_subscribed_and_reports_the_gap()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        await using JanusClient client = await JanusClient.ConnectAsync(proxy.EndPoint, Fast(sessions: false)).Within();
        await using JanusClient publisher = await server.ConnectClientAsync();
        var reconnected = new TaskCompletionSource<JanusReconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var states = new List<JanusConnectionState>();
        client.Reconnected += (_, e) => reconnected.TrySetResult(e);
        client.ConnectionStateChanged += (_, e) => states.Add(e.State);
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();
        await publisher.PublishAsync("news", "1"u8.ToArray(), messageId: "before").Within();
        Assert.Equal("before", (await news.ReadMessageAsync().AsTask().Within()).MessageId);
        string firstToken = client.Token;

        Assert.Equal(1, proxy.CutAll());

        JanusReconnectedEventArgs e = await reconnected.Task.Within();
        Assert.False(e.Resumed);
        Assert.False(e.Recovered);
        Assert.Equal("unsupported", e.Reason);
        JanusTopicRecovery topic = Assert.Single(e.Topics);
        Assert.Equal(("news", false), (topic.Topic, topic.Recovered));
        Assert.True(client.IsConnected);
        Assert.NotEqual(firstToken, client.Token);

        // The same stream goes on, on the new connection.
        await publisher.PublishAsync("news", "1"u8.ToArray(), messageId: "after").Within();
        Assert.Equal("after", (await news.ReadMessageAsync().AsTask().Within()).MessageId);
        await Eventually.WaitUntilAsync(() => states.Count(s => s == JanusConnectionState.Reconnecting) == 1 && states[^1] == JanusConnectionState.Connected, () => string.Join(",", states));
    }

    [Fact]
    public async Task A_server_closing_the_connection_is_a_drop_the_client_comes_back_from()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync(Fast());
        await client.AddTopicAsync("events").Within();
        var reconnected = new TaskCompletionSource<JanusReconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += (_, e) => reconnected.TrySetResult(e);

        ClientConnection connection = server.GetRequiredService<ConnectionRegistry>().Connections.Single();
        connection.BeginClose(ProtocolError.None, sendErrorFrame: false);

        await reconnected.Task.Within();
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "1"u8.ToArray(), messageId: "1").Within();
        Assert.Equal("1", (await client.NextAsync()).MessageId);
    }

    [Fact]
    public async Task A_refusal_is_not_retried()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync(Fast());

        JanusProtocolException refused = await Assert.ThrowsAsync<JanusProtocolException>(() => client.AddTopicAsync(new string('x', 10_000)).Within());

        Assert.Equal(ProtocolError.InvalidTopic, refused.Error);
        Assert.Equal(JanusConnectionState.Closed, client.State);
        await Assert.ThrowsAsync<JanusProtocolException>(() => client.Completion.Within());
    }

    [Fact]
    public async Task Reconnecting_gives_up_after_MaxAttempts_and_ends_the_client()
    {
        JanusTestServer server = await JanusTestServer.StartAsync();
        IPEndPoint endPoint = server.TcpEndPoint!;
        JanusClientOptions options = Fast();
        options.Reconnect.MaxAttempts = 2;
        await using JanusClient client = await JanusClient.ConnectAsync(endPoint, options).Within();
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();

        await server.DisposeAsync();

        JanusConnectionClosedException error = await Assert.ThrowsAnyAsync<JanusConnectionClosedException>(() => client.Completion.Within());
        Assert.Contains("2 reconnect attempt(s) failed", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<JanusConnectionClosedException>(() => news.ReadMessageAsync().AsTask().Within());
    }

    [Fact]
    public async Task Dispose_stops_reconnecting()
    {
        JanusTestServer server = await JanusTestServer.StartAsync();
        JanusClient client = await server.ConnectClientAsync(Fast());
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State == JanusConnectionState.Reconnecting)
            {
                reconnecting.TrySetResult();
            }
        };

        await server.DisposeAsync();
        await reconnecting.Task.Within();
        await client.DisposeAsync().AsTask().Within();

        await client.Completion.Within();
        Assert.Equal(JanusConnectionState.Closed, client.State);
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(10, 5000)]
    public void Backoff_doubles_from_the_initial_delay_up_to_the_maximum_and_jitter_spreads_it(int attempt, double expectedMs)
    {
        var options = new JanusReconnectOptions();
        Assert.Equal(expectedMs, options.GetDelay(attempt, random: 0.5).TotalMilliseconds, precision: 3);
        Assert.Equal(expectedMs * 0.8, options.GetDelay(attempt, random: 0).TotalMilliseconds, precision: 3);
        Assert.Equal(expectedMs * 1.2, options.GetDelay(attempt, random: 1).TotalMilliseconds, precision: 3);
    }

    [Fact]
    public async Task A_publish_while_reconnecting_waits_for_the_new_connection()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        JanusClientOptions options = Fast(sessions: false);
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(300);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(300);
        await using JanusClient client = await JanusClient.ConnectAsync(proxy.EndPoint, options).Within();
        await using JanusClient subscriber = await server.ConnectClientAsync();
        await subscriber.AddTopicAsync("events").Within();
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State == JanusConnectionState.Reconnecting)
            {
                reconnecting.TrySetResult();
            }
        };

        proxy.CutAll();
        await reconnecting.Task.Within();
        await client.PublishAsync("events", "1"u8.ToArray(), messageId: "queued").Within();

        Assert.Equal("queued", (await subscriber.NextAsync()).MessageId);
        Assert.True(client.IsConnected);
    }
}
