using Janus.Server.Transports.Epoll;
using Janus.Testing;

namespace Janus.Server.Tests.Transports;

/// <summary>
/// Several event loops on the TCP port (<c>Janus:Tcp:EventLoops</c>), through the whole server: connections are
/// spread over the loops by the kernel (one listening socket per loop, <c>SO_REUSEPORT</c>), each loop accepts,
/// greets and reads its own, and a loop that is held up holds only its own clients.
/// </summary>
public sealed class EventLoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // Only for checks that something does NOT happen while a loop is held: a correct server passes whatever the load.
    private static readonly TimeSpan NegativeWait = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Connections_are_spread_over_every_loop_and_each_loop_serves_its_own()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tcp:EventLoops"] = "2" });
        IReadOnlyList<EpollLoop> loops = server.GetRequiredService<EpollTransportFactory>().Loops;
        Assert.Equal(2, loops.Count);

        // 64 clients from distinct ports: the kernel's hash puts all on one socket with a chance of 2^-63.
        List<RawTcpClient> clients = [];
        try
        {
            for (int i = 0; i < 64; i++)
            {
                RawTcpClient client = await server.ConnectTcpAsync();
                clients.Add(client);
                await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"spread\"}\0");
                Assert.Equal("ACK", await client.ReadMessageAsync(Timeout));
            }

            Assert.Equal(64, loops[0].ConnectionCount + loops[1].ConnectionCount);
            Assert.All(loops, loop => Assert.True(loop.ConnectionCount > 0, $"loop {loop.Index} got no connection"));
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_loop_held_up_stalls_only_its_own_clients_and_its_own_new_connections()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tcp:EventLoops"] = "2" });
        IReadOnlyList<EpollLoop> loops = server.GetRequiredService<EpollTransportFactory>().Loops;
        List<RawTcpClient> clients = [];
        TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            for (int i = 0; i < 32; i++)
            {
                clients.Add(await server.ConnectTcpAsync());
            }

            int onSecondLoop = loops[1].ConnectionCount;
            Assert.InRange(onSecondLoop, 1, 31);

            // Hold loop 0's thread, as a slow handler or a long pass would.
            TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
            loops[0].Post(() =>
            {
                held.TrySetResult();
                release.Task.Wait(Timeout * 3);
            });
            await held.Task.WaitAsync(Timeout);

            // Every client subscribes: exactly those read by loop 1 are answered while loop 0 is held.
            Task<string>[] acks = new Task<string>[clients.Count];
            for (int i = 0; i < clients.Count; i++)
            {
                await clients[i].SendAsync("{\"action\":\"subscribe\",\"data\":\"held\"}\0");
                acks[i] = clients[i].ReadMessageAsync(Timeout * 2);
            }

            await ExternalState.WaitUntilAsync(() => Task.FromResult(acks.Count(a => a.IsCompletedSuccessfully) >= onSecondLoop), "loop 1's clients' ACKs", Timeout);
            await Task.Delay(NegativeWait);
            Assert.Equal(onSecondLoop, acks.Count(a => a.IsCompleted));

            // New clients: those the kernel hands loop 1's socket are accepted and greeted now, the others wait.
            List<Task<RawTcpClient>> arrivals = [];
            for (int i = 0; i < 16; i++)
            {
                arrivals.Add(server.ConnectTcpAsync());
            }

            await ExternalState.WaitUntilAsync(() => Task.FromResult(arrivals.Any(a => a.IsCompletedSuccessfully)), "a greeting from loop 1", Timeout);
            int greetedWhileHeld = arrivals.Count(a => a.IsCompletedSuccessfully);
            Assert.InRange(greetedWhileHeld, 1, 16);

            release.TrySetResult();
            Assert.All(await Task.WhenAll(acks), ack => Assert.Equal("ACK", ack));
            clients.AddRange(await Task.WhenAll(arrivals).WaitAsync(Timeout));
            Assert.Equal(48, loops[0].ConnectionCount + loops[1].ConnectionCount);
        }
        finally
        {
            release.TrySetResult();
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Through_Kestrels_accept_loop_connections_still_land_on_every_loop_and_are_read_there()
    {
        // The path of the TLS port: Kestrel's accept loop takes connections from every loop's socket in turn.
        using CancellationTokenSource cts = new(Timeout * 3);
        await using EpollHarness harness = await EpollHarness.StartAsync(loops: 2);
        HashSet<int> loopsSeen = [];
        for (int i = 0; i < 64; i++)
        {
            (System.Net.Sockets.Socket client, Microsoft.AspNetCore.Connections.ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
            EpollConnection connection = Assert.IsType<EpollConnection>(server);
            loopsSeen.Add(connection.Loop.Index);

            // Read on its own loop: a byte sent arrives through the connection's pipe.
            await client.SendAsync("x"u8.ToArray(), System.Net.Sockets.SocketFlags.None, cts.Token);
            System.IO.Pipelines.ReadResult read = await server.Transport.Input.ReadAsync(cts.Token);
            Assert.Equal(1, read.Buffer.Length);
            server.Transport.Input.AdvanceTo(read.Buffer.End);
        }

        Assert.Equal([0, 1], loopsSeen.Order());
    }
}
