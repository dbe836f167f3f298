using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Sessions;
using Janus.Server.Tests.Tcp;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Sessions;

/// <summary>The opt-in session protocol over real sockets (docs/sessions.md).</summary>
public sealed class SessionProtocolTests
{
    [Fact]
    public async Task A_legacy_client_gets_the_original_bytes_and_an_opted_in_one_the_same_plus_its_position()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient legacy = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);
        string greeting = await legacy.ReadMessageAsync();
        Assert.Matches("^\\{\"timestamp\":\\[\\d+,\\d+,\\d+\\],\"token\":\"[0-9a-f]{32}\"\\}$", greeting);
        await legacy.SendAsync(Frames.Subscribe("news"));
        Assert.Equal("ACK", await legacy.ReadMessageAsync());

        await using SessionClient opted = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        JsonElement answer = await opted.SubscribeAsync("news");
        Assert.Equal("news", answer.GetProperty("subscribed").GetString());
        Assert.Equal(0, answer.GetProperty("offset").GetInt64());
        string epoch = answer.GetProperty("epoch").GetString()!;

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("news", 7, "{\"id\":1}"));

        string plain = await legacy.ReadMessageAsync();
        Assert.Matches("^\\{\"timestamp\":\\[\\d+,\\d+,\\d+\\],\"topic\":\"news\",\"event\":\"e\",\"message_id\":7,\"data\":\\{\"id\":1\\}\\}$", plain);
        string positioned = (await opted.Connection.ReadMessageAsync());
        Assert.Equal(plain[..^1] + ",\"offset\":1,\"epoch\":\"" + epoch + "\"}", positioned);
    }

    [Fact]
    public async Task Clients_cut_at_random_moments_while_a_sequence_is_published_resume_with_every_number_once_and_in_order()
    {
        const int Clients = 12;
        const int Messages = 600;
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "1000" });
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        var clients = new List<SessionClient>();
        for (int i = 0; i < Clients; i++)
        {
            SessionClient client = await SessionClient.ConnectAsync(proxy.EndPoint);
            await client.SubscribeAsync("seq");
            clients.Add(client);
        }

        Task[] readers = clients.Select(client => Task.Run(() => ReadSequenceAsync(client, proxy, Messages))).ToArray();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        var random = new Random(12345);
        for (int n = 1; n <= Messages; n++)
        {
            await publisher.SendAsync(Frames.PublishCommand("seq", n));
            if (n % 100 == 0)
            {
                // A cut at a random moment between publishes: whatever was in flight is lost in the dropped sockets.
                await Task.Delay(random.Next(0, 5));
                proxy.CutAll();
            }
            else if (n % 10 == 0)
            {
                await Task.Delay(1);
            }
        }

        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(proxy.Cuts >= Clients, $"only {proxy.Cuts} connections were cut");
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        Assert.True(metrics.Resumes(ResumeResult.Recovered) >= Clients, $"{metrics.Resumes(ResumeResult.Recovered)} recovered resumes");
        Assert.Equal(0, metrics.Resumes(ResumeResult.Unrecovered) + metrics.Resumes(ResumeResult.Expired));
        foreach (SessionClient client in clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>Reads 1…<paramref name="count"/> exactly once each, in order, resuming after every drop.</summary>
    private static async Task ReadSequenceAsync(SessionClient client, FaultProxy proxy, int count)
    {
        long expected = 1;
        while (expected <= count)
        {
            JsonElement? message = await client.ReadAsync(TimeSpan.FromSeconds(20));
            if (message is null)
            {
                JsonElement answer = await client.ReadAndResumeWithRetryAsync(proxy);
                Assert.True(answer.GetProperty("resumed").GetBoolean(), answer.ToString());
                Assert.True(answer.GetProperty("recovered").GetBoolean(), answer.ToString());
                continue;
            }

            JsonElement m = message.Value;
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("message_id", out JsonElement id))
            {
                continue;
            }

            Assert.Equal(expected, id.GetInt64());
            Assert.Equal(expected, m.GetProperty("offset").GetInt64());
            expected++;
        }
    }

    [Fact]
    public async Task What_a_dropped_socket_swallowed_is_recovered_even_after_the_history_moved_past_it()
    {
        // History of 20: by the time the client is back, the messages lost in its socket have left the history; the
        // session took them back into its queue when it parked.
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "20" });
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        TopicRegistry topics = server.GetRequiredService<TopicRegistry>();
        await using FaultProxy proxy = FaultProxy.Start(server.TcpEndPoint!);
        SessionClient client = await SessionClient.ConnectAsync(proxy.EndPoint);
        await client.SubscribeAsync("swallow");
        await using RawTcpClient publisher = await server.ConnectTcpAsync();

        proxy.HoldServerToClient();
        for (int n = 1; n <= 10; n++)
        {
            await publisher.SendAsync(Frames.PublishCommand("swallow", n));
        }

        await WaitUntilAsync(() => topics.TryGet("swallow", out Topic? t) && t.Position.Offset == 10);
        await WaitUntilAsync(() => server.GetRequiredService<JanusMetrics>().BytesSent > 0 && sessions.TryGet(client.Token, out Session? s) && s.Queue.Count == 0);
        proxy.CutAll();
        await WaitUntilAsync(() => sessions.ParkedCount == 1);
        for (int n = 11; n <= 60; n++)
        {
            await publisher.SendAsync(Frames.PublishCommand("swallow", n));
        }

        await WaitUntilAsync(() => topics.TryGet("swallow", out Topic? t) && t.Position.Offset == 60);
        JsonElement answer = await client.ReconnectAndResumeAsync(proxy.EndPoint);
        Assert.True(answer.GetProperty("recovered").GetBoolean(), answer.ToString());
        for (int n = 1; n <= 60; n++)
        {
            Assert.Equal(n, (await client.ReadAsync())!.Value.GetProperty("message_id").GetInt64());
        }

        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_session_not_resumed_within_the_grace_period_is_freed_and_its_resume_answers_expired()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(
            new Dictionary<string, string?> { ["Janus:Sessions:Grace"] = "00:00:10", ["Janus:History:Size"] = "0" },
            s => s.AddSingleton<TimeProvider>(time));
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        SessionClient client = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        await client.SubscribeAsync("gone");
        client.Connection.Socket.Close(0);
        await WaitUntilAsync(() => sessions.ParkedCount == 1);
        Assert.Equal(1, server.GetRequiredService<TopicRegistry>().Count);

        time.Advance(TimeSpan.FromSeconds(11));
        await WaitUntilAsync(() => sessions.Count == 0);
        Assert.Equal(0, sessions.ParkedCount);
        Assert.Equal(0, server.GetRequiredService<TopicRegistry>().Count);

        JsonElement answer = await client.ReconnectAndResumeAsync();
        Assert.False(answer.GetProperty("resumed").GetBoolean());
        Assert.False(answer.GetProperty("recovered").GetBoolean());
        Assert.Equal("expired", answer.GetProperty("reason").GetString());
        Assert.True(answer.GetProperty("topics").TryGetProperty("gone", out _));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_session_whose_queue_overflows_while_parked_answers_overflowed_and_holds_nothing()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Limits:MaxQueueBytes"] = "8192" });
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        SessionClient client = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        await client.SubscribeAsync("flood");
        client.Connection.Socket.Close(0);
        await WaitUntilAsync(() => sessions.ParkedCount == 1);

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        string payload = "\"" + new string('x', 1000) + "\"";
        for (int i = 0; i < 20; i++)
        {
            await publisher.SendAsync(Frames.PublishCommand("flood", i, payload));
        }

        TopicRegistry topics = server.GetRequiredService<TopicRegistry>();
        await WaitUntilAsync(() => topics.TryGet("flood", out Topic? flood) && flood.Position.Offset == 20);
        JsonElement answer = await client.ReconnectAndResumeAsync();
        Assert.False(answer.GetProperty("resumed").GetBoolean(), answer.ToString());
        Assert.Equal("overflowed", answer.GetProperty("reason").GetString());
        Assert.Equal(20, answer.GetProperty("topics").GetProperty("flood").GetProperty("offset").GetInt64());

        // The client subscribes again from a position the history still covers (a replay, too, must fit the queue).
        JsonElement again = await client.SubscribeAsync("flood", (14, answer.GetProperty("topics").GetProperty("flood").GetProperty("epoch").GetString()!));
        Assert.True(again.GetProperty("recovered").GetBoolean());
        for (int i = 14; i < 20; i++)
        {
            Assert.Equal(i, (await client.ReadAsync())!.Value.GetProperty("message_id").GetInt64());
        }

        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_subscribe_from_a_position_under_concurrent_publishing_has_no_gap_or_duplicate_at_the_switch()
    {
        const int Messages = 2000;
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "5000" });
        await using SessionClient early = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        JsonElement first = await early.SubscribeAsync("live");
        string epoch = first.GetProperty("epoch").GetString()!;
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        Task publishing = Task.Run(async () =>
        {
            for (int n = 1; n <= Messages; n++)
            {
                await publisher.SendAsync(Frames.PublishCommand("live", n));
            }
        });

        // Joins while the publisher is going, from offset 10.
        while ((await early.ReadAsync())!.Value.GetProperty("offset").GetInt64() < 50)
        {
        }

        await using SessionClient late = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        JsonElement answer = await late.SubscribeAsync("live", (10, epoch));
        Assert.True(answer.GetProperty("recovered").GetBoolean());
        Assert.True(answer.GetProperty("offset").GetInt64() >= 50);
        for (long expected = 11; expected <= Messages; expected++)
        {
            JsonElement m = (await late.ReadAsync())!.Value;
            Assert.Equal(expected, m.GetProperty("offset").GetInt64());
            Assert.Equal(expected, m.GetProperty("message_id").GetInt64());
        }

        await publishing;
    }

    [Fact]
    public async Task A_position_the_history_no_longer_reaches_is_answered_recovered_false_and_live_messages_follow()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:History:Size"] = "5" });
        await using SessionClient keeper = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        string epoch = (await keeper.SubscribeAsync("short")).GetProperty("epoch").GetString()!;
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        for (int n = 1; n <= 20; n++)
        {
            await publisher.SendAsync(Frames.PublishCommand("short", n));
        }

        while ((await keeper.ReadAsync())!.Value.GetProperty("offset").GetInt64() < 20)
        {
        }

        await using SessionClient late = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        JsonElement answer = await late.SubscribeAsync("short", (3, epoch));
        Assert.False(answer.GetProperty("recovered").GetBoolean());
        Assert.Equal(20, answer.GetProperty("offset").GetInt64());
        JsonElement wrongEpoch = await late.SubscribeAsync("short", (19, "not-the-epoch"));
        Assert.Equal(20, wrongEpoch.GetProperty("offset").GetInt64());

        await publisher.SendAsync(Frames.PublishCommand("short", 21));
        Assert.Equal(21, (await late.ReadAsync())!.Value.GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task A_second_resume_takes_the_session_from_a_connection_still_open_which_is_closed_with_session_taken()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using SessionClient first = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        await first.SubscribeAsync("shared");
        await using RawTcpClient second = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);
        await second.ReadMessageAsync();
        await second.SendAsync(SessionClient.ResumeFrame(first.Token, first.Positions));
        using JsonDocument answer = JsonDocument.Parse(await second.ReadMessageAsync());
        Assert.True(answer.RootElement.GetProperty("resumed").GetBoolean());
        await first.Connection.ReadUntilClosedWithErrorAsync(ProtocolError.SessionTaken);

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync(Frames.PublishCommand("shared", 1));
        using JsonDocument delivery = JsonDocument.Parse(await second.ReadMessageAsync());
        Assert.Equal(1, delivery.RootElement.GetProperty("offset").GetInt64());
        Assert.Equal(1, server.GetRequiredService<SessionRegistry>().Count - 1);
    }

    [Fact]
    public async Task Bye_ends_the_session_at_once_and_a_legacy_session_is_never_parked()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        ConnectionRegistry connections = server.GetRequiredService<ConnectionRegistry>();
        SessionClient polite = await SessionClient.ConnectAsync(server.TcpEndPoint!);
        await polite.SubscribeAsync("a");
        await polite.Connection.SendAsync("{\"action\":\"bye\"}\0");
        await polite.Connection.ReadUntilClosedAsync();
        await using RawTcpClient legacy = await server.ConnectTcpAsync();
        await legacy.SendAsync(Frames.Subscribe("a"));
        Assert.Equal("ACK", await legacy.ReadMessageAsync());
        legacy.Socket.Close(0);
        await connections.WaitForCountAsync(0).WaitAsync(RawTcpClient.DefaultTimeout);
        Assert.Equal(0, sessions.Count);
        Assert.Equal(0, sessions.ParkedCount);
        await polite.DisposeAsync();
    }

    [Fact]
    public async Task Ten_thousand_dropped_opted_in_sessions_leave_nothing_behind_after_the_grace_period()
    {
        const int Count = 10_000;
        const int Batch = 500;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await JanusTestServer.StartAsync(
            new Dictionary<string, string?> { ["Janus:Sessions:Grace"] = "00:01:00", ["Janus:Heartbeat:Timeout"] = "01:00:00", ["Janus:Heartbeat:Interval"] = "00:30:00" },
            s => s.AddSingleton<TimeProvider>(time));
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        TopicRegistry topics = server.GetRequiredService<TopicRegistry>();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        for (int start = 0; start < Count; start += Batch)
        {
            // In batches, so the test process never holds more than a few thousand descriptors.
            await Parallel.ForEachAsync(Enumerable.Range(start, Batch), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                SessionClient client = await SessionClient.ConnectAsync(server.TcpEndPoint!);
                await client.SubscribeAsync("own-" + i);
                await client.SubscribeAsync("shared");
                client.Connection.Socket.Close(0);
            });
        }

        await publisher.SendAsync(Frames.PublishCommand("shared", 1));
        await WaitUntilAsync(() => sessions.ParkedCount == Count, TimeSpan.FromSeconds(60));
        Assert.Equal(Count + 1, topics.Count);

        time.Advance(TimeSpan.FromSeconds(61));
        await WaitUntilAsync(() => sessions.Count == 1, TimeSpan.FromSeconds(30));
        Assert.Equal(0, sessions.ParkedCount);

        // The history of "shared" keeps that topic until it expires too.
        time.Advance(TimeSpan.FromMinutes(6));
        await WaitUntilAsync(() => topics.Count == 0, TimeSpan.FromSeconds(10));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        Assert.Equal(metrics.Subscribes, metrics.Unsubscribes);
        Assert.Equal(0, metrics.SessionsParked);
    }

    [Fact]
    public async Task The_history_api_returns_positioned_messages_after_a_position()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        for (int n = 1; n <= 5; n++)
        {
            await publisher.SendAsync(Frames.PublishCommand("h", n));
        }

        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        JsonElement all = default;
        await WaitUntilAsync(async () =>
        {
            all = JsonDocument.Parse(await http.GetStringAsync("/api/history?topic=h")).RootElement;
            return all.GetProperty("offset").GetInt64() == 5;
        });
        Assert.Equal(5, all.GetProperty("messages").GetArrayLength());
        string epoch = all.GetProperty("epoch").GetString()!;
        JsonElement after = JsonDocument.Parse(await http.GetStringAsync($"/api/history?topic=h&since=3&epoch={epoch}")).RootElement;
        Assert.True(after.GetProperty("recovered").GetBoolean());
        Assert.Equal([4L, 5L], after.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("message_id").GetInt64()).ToArray());
        JsonElement upToDate = JsonDocument.Parse(await http.GetStringAsync($"/api/history?topic=h&since=5&epoch={epoch}")).RootElement;
        Assert.True(upToDate.GetProperty("recovered").GetBoolean());
        Assert.Equal(0, upToDate.GetProperty("messages").GetArrayLength());
        JsonElement unknown = JsonDocument.Parse(await http.GetStringAsync("/api/history?topic=none&since=3&epoch=x")).RootElement;
        Assert.False(unknown.GetProperty("recovered").GetBoolean());
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        // Polls server state that has no event to await (a count in a registry), bounded.
        DateTime deadline = DateTime.UtcNow + (timeout ?? RawTcpClient.DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(10);
        }
    }
}
