using System.Collections.Concurrent;
using System.Globalization;
using Janus.Client.Tests.Support;
using Janus.Server.Fanout;
using Janus.Server.Sessions;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Janus.Client.Tests;

/// <summary>The client's side of docs/sessions.md against the real server, with connections cut through a <see cref="FaultProxy"/>.</summary>
public sealed class ResumeTests(ITestOutputHelper output)
{
    private static JanusClientOptions Fast(TimeProvider? time = null) => new()
    {
        MessageBufferCapacity = 100_000,
        TimeProvider = time ?? TimeProvider.System,
        Reconnect = new JanusReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(100) },
    };

    [Fact]
    public async Task Every_number_arrives_exactly_once_and_in_order_while_the_connection_is_cut_again_and_again()
    {
        const int Count = 3000;
        const int Window = 400;
        int[] cutsAt = [250, 900, 1500, 2200, 2800];
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "5000" });
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        await using JanusClient client = await JanusClient.ConnectAsync(proxy.EndPoint, Fast()).Within();
        await using JanusClient publisher = await server.ConnectClientAsync();
        var reconnects = new ConcurrentQueue<JanusReconnectedEventArgs>();
        client.Reconnected += (_, e) => reconnects.Enqueue(e);
        Assert.True(client.SessionsEnabled);
        await using JanusSubscription sequence = await client.SubscribeCoreAsync("sequence").Within();

        int received = 0;
        Task reader = Task.Run(async () =>
        {
            await foreach (JanusMessage message in sequence)
            {
                Assert.Equal(received.ToString(CultureInfo.InvariantCulture), message.MessageId);
                if (Interlocked.Increment(ref received) == Count)
                {
                    return;
                }
            }
        });

        // The publisher stays at most a window ahead of the reader, and cuts the connection at set points while it
        // goes on publishing: what was in flight is lost with the socket and must come back from the session.
        int cuts = 0;
        for (int i = 0; i < Count; i++)
        {
            while (i - Volatile.Read(ref received) > Window)
            {
                await Task.Yield();
            }

            if (cuts < cutsAt.Length && i == cutsAt[cuts])
            {
                int resumed = cuts;
                await Eventually.WaitUntilAsync(() => reconnects.Count == resumed, () => $"{reconnects.Count} reconnects after {resumed} cuts");
                cuts += proxy.CutAll();
            }

            await publisher.PublishAsync("sequence", "1"u8.ToArray(), messageId: i.ToString(CultureInfo.InvariantCulture));
        }

        await reader.WaitAsync(TimeSpan.FromSeconds(30));
        await Eventually.WaitUntilAsync(() => reconnects.Count == cuts, () => $"{reconnects.Count} reconnects after {cuts} cuts");

        output.WriteLine($"{Count} messages, {cuts} cuts, {reconnects.Count} resumes, {client.DuplicatesDropped} duplicates dropped by the client, {sequence.DroppedMessages} dropped");
        Assert.Equal(Count, received);
        Assert.Equal(cutsAt.Length, cuts);
        Assert.All(reconnects, e => Assert.True(e.Resumed && e.Recovered, $"resumed {e.Resumed}, recovered {e.Recovered}, reason {e.Reason}"));
        Assert.Equal(0, sequence.DroppedMessages);
    }

    [Fact]
    public async Task After_the_session_expired_the_client_subscribes_from_its_position_and_the_history_fills_the_gap()
    {
        var serverTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var clientTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(
            new Dictionary<string, string?> { ["Janus:Sessions:Grace"] = "00:00:10", ["Janus:History:Size"] = "100" },
            s => s.AddSingleton<TimeProvider>(serverTime));
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        await using JanusClient client = await JanusClient.ConnectAsync(proxy.EndPoint, Fast(clientTime)).Within();
        await using JanusClient publisher = await server.ConnectClientAsync();
        var reconnected = new TaskCompletionSource<JanusReconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += (_, e) => reconnected.TrySetResult(e);
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();
        await Publish(publisher, 1, 3);
        await Expect(news, 1, 3);

        // Cut; the client waits on its (fake) backoff clock while the server lets the session expire.
        proxy.CutAll();
        await Eventually.WaitUntilAsync(() => sessions.ParkedCount == 1, () => "the session to park");
        await Publish(publisher, 4, 6);

        // A publish is only written when PublishAsync returns: the position must be 6 before the session expires and the
        // client re-subscribes, or the answer could name 4 or 5 (seen once on a loaded machine).
        TopicRegistry topics = server.GetRequiredService<TopicRegistry>();
        await Eventually.WaitUntilAsync(() => topics.TryGet("news", out Topic? topic) && topic.Position.Offset == 6, () => "the server to number 4-6");
        serverTime.Advance(TimeSpan.FromSeconds(11));
        await Eventually.WaitUntilAsync(() => sessions.ParkedCount == 0, () => "the session to expire");
        JanusReconnectedEventArgs e = await AdvanceUntilAsync(clientTime, reconnected.Task);
        Assert.False(e.Resumed);
        Assert.Equal("expired", e.Reason);
        Assert.True(e.Recovered);
        Assert.Equal(("news", true, 6L), (e.Topics[0].Topic, e.Topics[0].Recovered, e.Topics[0].Position?.Offset));
        await Publish(publisher, 7, 7);
        await Expect(news, 4, 7);
    }

    [Fact]
    public async Task When_the_history_no_longer_reaches_back_the_topic_is_reported_not_recovered_and_live_messages_go_on()
    {
        var serverTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var clientTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(
            new Dictionary<string, string?> { ["Janus:Sessions:Grace"] = "00:00:10", ["Janus:History:Size"] = "2" },
            s => s.AddSingleton<TimeProvider>(serverTime));
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        await using JanusClient client = await JanusClient.ConnectAsync(proxy.EndPoint, Fast(clientTime)).Within();
        await using JanusClient publisher = await server.ConnectClientAsync();
        var reconnected = new TaskCompletionSource<JanusReconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += (_, e) => reconnected.TrySetResult(e);
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();
        await Publish(publisher, 1, 1);
        await Expect(news, 1, 1);

        proxy.CutAll();
        await Eventually.WaitUntilAsync(() => sessions.ParkedCount == 1, () => "the session to park");
        serverTime.Advance(TimeSpan.FromSeconds(11));
        await Eventually.WaitUntilAsync(() => sessions.ParkedCount == 0, () => "the session to expire");
        await Publish(publisher, 2, 6);
        JanusReconnectedEventArgs e = await AdvanceUntilAsync(clientTime, reconnected.Task);
        Assert.False(e.Resumed);
        Assert.False(e.Recovered);
        Assert.False(Assert.Single(e.Topics).Recovered);
        await Publish(publisher, 7, 7);
        await Expect(news, 7, 7);
    }

    [Fact]
    public async Task Dispose_ends_the_session_with_bye_so_the_server_keeps_nothing_for_a_resume()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        JanusClient client = await server.ConnectClientAsync();
        await using (await client.SubscribeCoreAsync("news").Within())
        {
            Assert.True(client.SessionsEnabled);
        }

        await client.DisposeAsync().AsTask().Within();

        await Eventually.WaitUntilAsync(() => sessions.Count == 0, () => $"{sessions.Count} sessions, {sessions.ParkedCount} parked");
        Assert.Equal(0, sessions.ParkedCount);
    }

    [Fact]
    public async Task A_dropped_client_leaves_its_session_parked_for_the_resume()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        JanusClientOptions options = Fast();
        options.Reconnect.Enabled = false;
        await using JanusClient client = await JanusClient.ConnectAsync(proxy.EndPoint, options).Within();
        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();

        proxy.CutAll();

        await Eventually.WaitUntilAsync(() => sessions.ParkedCount == 1, () => "the session to park");
        await Assert.ThrowsAnyAsync<JanusConnectionClosedException>(() => client.Completion.Within());
    }

    /// <summary>Moves the client's backoff clock until it reconnects (its delay may start just after any one advance).</summary>
    private static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider time, Task<T> done)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Await);
        while (!done.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(done, Task.Delay(20, deadline.Token));
            deadline.Token.ThrowIfCancellationRequested();
        }

        return await done;
    }

    private static async Task Publish(JanusClient publisher, int from, int to)
    {
        for (int i = from; i <= to; i++)
        {
            await publisher.PublishAsync("news", "1"u8.ToArray(), messageId: i.ToString(CultureInfo.InvariantCulture)).Within();
        }
    }

    private static async Task Expect(JanusSubscription subscription, int from, int to)
    {
        for (int i = from; i <= to; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), (await subscription.ReadMessageAsync().AsTask().Within()).MessageId);
        }
    }
}
