using Janus.Client.Connection;
using Janus.Client.Tests.Support;
using Janus.Testing;

namespace Janus.Client.Tests;

public sealed class CancellationTests
{
    [Fact]
    public async Task Reading_is_cancellable_and_the_connection_stays_usable()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();
        await client.AddTopicAsync("events").Within();
        using var cts = new CancellationTokenSource();

        ValueTask<JanusMessage> read = client.ReadMessageAsync(cts.Token);
        Assert.False(read.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await read);

        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "after", "1"u8.ToArray()).Within();
        Assert.Equal("after", (await client.NextAsync()).MessageId);
    }

    [Fact]
    public async Task Enumerating_the_stream_is_cancellable()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();
        using var cts = new CancellationTokenSource();

        Task enumerate = Task.Run(async () =>
        {
            await foreach (JanusMessage message in client.ReadAllAsync(cts.Token))
            {
                Assert.Fail($"no message expected, got {message}");
            }
        });
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => enumerate.Within());
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_cancelled_subscribe_sends_nothing_and_later_acks_still_match()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectClientAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.AddTopicAsync("never", new CancellationToken(canceled: true)));

        await client.AddTopicAsync("events").Within();
        Assert.Equal(1, server.Metrics().Subscribes);
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "never", "e", "no", "1"u8.ToArray()).Within();
        await JanusClient.PublishOnceAsync(server.TcpEndPoint!, "events", "e", "yes", "1"u8.ToArray()).Within();
        Assert.Equal("yes", (await client.NextAsync()).MessageId);
    }

    [Fact]
    public async Task A_subscribe_whose_wait_was_cancelled_keeps_its_place_for_its_ack()
    {
        // The ACK queue on its own: over a real socket the ACK comes too fast to cancel in between.
        var queue = new AckQueue();
        var cancelled = new TaskCompletionSource<SubscribeAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var next = new TaskCompletionSource<SubscribeAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(queue.TryEnqueue(cancelled));
        Assert.True(queue.TryEnqueue(next));
        using var cts = new CancellationTokenSource();
        Task waiting = cancelled.Task.WaitAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        Assert.True(queue.CompleteNext(SubscribeAnswer.Ack));
        Assert.False(next.Task.IsCompleted);
        Assert.True(queue.CompleteNext(SubscribeAnswer.Ack));
        await next.Task.Within();
        Assert.False(queue.CompleteNext(SubscribeAnswer.Ack));
    }

    [Fact]
    public async Task A_failed_ack_queue_fails_the_waiting_and_refuses_new_subscribes()
    {
        var queue = new AckQueue();
        var waiting = new TaskCompletionSource<SubscribeAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(queue.TryEnqueue(waiting));

        queue.Fail(new JanusConnectionClosedException("gone"));

        await Assert.ThrowsAsync<JanusConnectionClosedException>(() => waiting.Task.Within());
        Assert.False(queue.TryEnqueue(new TaskCompletionSource<SubscribeAnswer>()));
        Assert.Equal(0, queue.Count);
    }
}
