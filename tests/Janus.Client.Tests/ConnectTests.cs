using System.Net;
using System.Net.Sockets;
using Janus.Client.Tests.Support;
using Janus.Server.Sessions;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Client.Tests;

public sealed class ConnectTests
{
    [Fact]
    public async Task Connect_reads_the_greeting_token_and_the_servers_time_to_the_microsecond()
    {
        var serverTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1_234_567);
        var fake = new FakeTimeProvider(serverTime);
        await using JanusTestServer server = await JanusTestServer.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(fake));

        await using JanusClient client = await server.ConnectClientAsync();

        Assert.Matches("^[0-9a-f]{32}$", client.Token);
        Assert.True(server.GetRequiredService<SessionRegistry>().TryGet(client.Token, out _), "the token names a server session");

        // The wire carries microseconds: the 7th decimal of the server's clock is gone, nothing else.
        Assert.Equal(serverTime.AddTicks(-7), client.GreetingTime);
        Assert.Equal(TimeSpan.Zero, client.GreetingTime.Offset);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Each_connection_gets_its_own_token()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient first = await server.ConnectClientAsync();
        await using JanusClient second = await server.ConnectClientAsync();

        Assert.NotEqual(first.Token, second.Token);
    }

    [Fact]
    public async Task Connect_sends_the_regular_socket_prefix_once()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectLegacyClientAsync();
        await client.AddTopicAsync("events").Within();

        // The prefix, then the subscribe frame alone (the server counts a read's bytes just after handling it, so the
        // ACK can overtake the count: wait for it, then check nothing more came).
        long subscribeFrame = "{\"action\":\"subscribe\",\"data\":\"events\"}\0".Length;
        await server.WaitForBytesReceivedAsync(ServerExtensions.PrefixBytes + subscribeFrame);
        Assert.Equal(ServerExtensions.PrefixBytes + subscribeFrame, server.Metrics().BytesReceived);
    }

    [Fact]
    public async Task Prefix_on_every_write_is_accepted_and_costs_18_bytes_per_write()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectLegacyClientAsync(new JanusClientOptions { RegularSocketPrefix = RegularSocketPrefixMode.EveryWrite });
        await client.AddTopicAsync("events").Within();

        long subscribeFrame = "{\"action\":\"subscribe\",\"data\":\"events\"}\0".Length;
        await server.WaitForBytesReceivedAsync((2 * ServerExtensions.PrefixBytes) + subscribeFrame);
        Assert.Equal((2 * ServerExtensions.PrefixBytes) + subscribeFrame, server.Metrics().BytesReceived);
    }

    [Fact]
    public async Task Connect_without_prefix_sends_only_frames()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await server.ConnectLegacyClientAsync(new JanusClientOptions { RegularSocketPrefix = RegularSocketPrefixMode.None });
        await client.AddTopicAsync("events").Within();

        long subscribeFrame = "{\"action\":\"subscribe\",\"data\":\"events\"}\0".Length;
        await server.WaitForBytesReceivedAsync(subscribeFrame);
        Assert.Equal(subscribeFrame, server.Metrics().BytesReceived);
    }

    [Fact]
    public async Task Connect_binds_the_requested_local_address()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        IPAddress source = IPAddress.Parse("127.0.0.2");
        await using JanusClient client = await server.ConnectClientAsync(new JanusClientOptions { LocalAddress = source });

        Assert.Equal(source, ((IPEndPoint)client.LocalEndPoint!).Address);
        ClientConnection connection = Assert.Single(server.GetRequiredService<ConnectionRegistry>().Connections);
        Assert.Equal(source, ((IPEndPoint)connection.RemoteEndPoint!).Address.MapToIPv4());
    }

    [Fact]
    public async Task Connect_by_host_name_resolves_it()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using JanusClient client = await JanusClient.ConnectAsync("localhost", server.TcpEndPoint!.Port).WaitAsync(TestTimeouts.Await);

        Assert.Matches("^[0-9a-f]{32}$", client.Token);
    }

    [Fact]
    public async Task Connect_to_a_closed_port_throws_SocketException()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (IPEndPoint)listener.LocalEndpoint;
        listener.Stop();

        await Assert.ThrowsAnyAsync<SocketException>(() => JanusClient.ConnectAsync(endPoint));
    }

    [Fact]
    public async Task Connect_to_a_peer_that_never_greets_times_out()
    {
        // A listener that accepts and stays silent: the one thing a real Janus server never does.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();

        var options = new JanusClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) };
        TimeoutException error = await Assert.ThrowsAsync<TimeoutException>(() => JanusClient.ConnectAsync(silent.LocalEndpoint, options).WaitAsync(TestTimeouts.Await));
        Assert.Contains("greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_is_cancellable_while_it_waits_for_the_greeting()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var cts = new CancellationTokenSource();

        Task<JanusClient> connect = JanusClient.ConnectAsync(silent.LocalEndpoint, cancellationToken: cts.Token);
        using Socket accepted = await silent.AcceptSocketAsync().WaitAsync(TestTimeouts.Await);

        // Once the prefix has arrived the client is waiting for the greeting.
        byte[] prefix = "<regular-socket/>\0"u8.ToArray();
        Assert.Equal(prefix, await ReceiveUntilClosedOrAsync(accepted, prefix.Length));
        Assert.False(connect.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect.WaitAsync(TestTimeouts.Await));

        // The half-made client let go of its socket: the peer sees the end of the stream.
        Assert.Empty(await ReceiveUntilClosedOrAsync(accepted, int.MaxValue));
    }

    /// <summary>Receives until <paramref name="count"/> bytes arrived or the peer closed.</summary>
    private static async Task<byte[]> ReceiveUntilClosedOrAsync(Socket socket, int count)
    {
        var received = new List<byte>();
        var buffer = new byte[256];
        while (received.Count < count)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TestTimeouts.Await);
            if (read == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        return [.. received];
    }

    [Fact]
    public async Task Connect_is_refused_with_the_servers_reason_when_the_server_sends_an_error_first()
    {
        // A server that is not Janus: it answers with an error frame and hangs up.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Task<JanusClient> connect = JanusClient.ConnectAsync(listener.LocalEndpoint);
        using (Socket accepted = await listener.AcceptSocketAsync().WaitAsync(TestTimeouts.Await))
        {
            await accepted.SendAsync("{\"error\":\"server_shutdown\",\"reason\":\"the server is shutting down\"}\u0001"u8.ToArray(), SocketFlags.None);
            accepted.Shutdown(SocketShutdown.Both);
        }

        JanusProtocolException error = await Assert.ThrowsAsync<JanusProtocolException>(() => connect.WaitAsync(TestTimeouts.Await));
        Assert.Equal(Janus.Protocol.ProtocolError.ServerShutdown, error.Error);
    }
}
