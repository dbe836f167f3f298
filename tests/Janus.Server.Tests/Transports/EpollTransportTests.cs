using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Janus.Server.Transports.Epoll;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace Janus.Server.Tests.Transports;

/// <summary>
/// The epoll transport on its own, as Kestrel sees it (listener, <see cref="ConnectionContext"/>, the two pipes),
/// against real loopback sockets. Server-side loops started with <see cref="Task.Run(Func{Task})"/> have no
/// synchronization context, so their reads resume inline on the loop thread, as the Janus app's do. Reads and
/// flushes get no token (a token would only turn a hang into a canceled result); waits are bounded outside instead.
/// </summary>
public sealed class EpollTransportTests
{
    private const int MiB = 1024 * 1024;

    // Every positive wait is bounded so that a hang fails the test instead of blocking the run.
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);

    // Only for checks that something does NOT happen; a correct transport passes them whatever the machine's load.
    private static readonly TimeSpan NegativeWait = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Binds_a_real_port_and_claims_only_epoll_endpoints()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync(IPAddress.Loopback);

        EpollEndPoint bound = Assert.IsType<EpollEndPoint>(harness.Listener.EndPoint);
        Assert.Equal(IPAddress.Loopback, bound.Address);
        Assert.InRange(bound.Port, 1, 65535);
        Assert.Equal(EpollEndPoint.DefaultBacklog, bound.Backlog);

        Assert.True(harness.Factory.CanBind(new EpollEndPoint(IPAddress.Loopback, 0)));
        Assert.False(harness.Factory.CanBind(new IPEndPoint(IPAddress.Loopback, 0)));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await harness.Factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0)));

        // The port is really listening: a client connects and the listener hands out its connection.
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        Assert.Equal(bound.Port, ((IPEndPoint)client.RemoteEndPoint!).Port);
        Assert.Equal(bound, server.LocalEndPoint);
        Assert.False(string.IsNullOrEmpty(server.ConnectionId));
    }

    [Fact]
    public async Task Binding_a_port_already_in_use_throws_AddressInUseException()
    {
        await using EpollHarness harness = await EpollHarness.StartAsync(IPAddress.Loopback);

        // Taken by another epoll listener (of another factory, so another loop).
        using (EpollTransportFactory other = EpollHarness.CreateFactory())
        {
            await Assert.ThrowsAsync<AddressInUseException>(async () => await other.BindAsync(new EpollEndPoint(IPAddress.Loopback, harness.Port)));
        }

        // Taken by a listener that is not ours.
        using Socket foreign = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        foreign.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        foreign.Listen();
        int foreignPort = ((IPEndPoint)foreign.LocalEndPoint!).Port;
        await Assert.ThrowsAsync<AddressInUseException>(async () => await harness.Factory.BindAsync(new EpollEndPoint(IPAddress.Loopback, foreignPort)));
    }

    [Fact]
    public async Task Echoes_small_messages_through_the_transport_pipes()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        Task closed = ClosedAsync(server);
        Task echo = Task.Run(() => EchoAsync(server));

        // One round trip at a time, so each message is its own read and its own flush.
        foreach (string text in new[] { "a", "hello", "{\"action\":\"subscribe\",\"data\":\"events\"}\0", new string('x', 5000) })
        {
            byte[] message = Encoding.UTF8.GetBytes(text);
            await SendAllAsync(client, message, cts.Token);
            Assert.Equal(message, await ReceiveExactlyAsync(client, message.Length, cts.Token));
        }

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token));
        await Within(echo, "the echo loop to end", cts.Token);
        await Within(closed, "ConnectionClosed", cts.Token);
    }

    [Fact]
    public async Task Echoes_8_MiB_each_way_intact_and_in_order()
    {
        const int total = 8 * MiB;
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        Task closed = ClosedAsync(server);
        Task echo = Task.Run(() => EchoAsync(server));
        byte[] data = Pattern(total, offset: 0);

        // Concurrently, or both sides would stall once the socket buffers and the reader's bound are full.
        Task send = SendAllAsync(client, data, cts.Token);
        Task<byte[]> receive = ReceiveExactlyAsync(client, total, cts.Token);
        await Within(send, "the client to send 8 MiB", cts.Token);
        AssertPattern(await Within(receive, "the 8 MiB echo", cts.Token), offset: 0);

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token));
        await Within(echo, "the echo loop to end", cts.Token);
        await Within(closed, "ConnectionClosed", cts.Token);
    }

    [Fact]
    public async Task A_flush_waits_while_the_client_does_not_read_and_completes_once_it_reads()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token, receiveBufferSize: 4096);
        PipeWriter output = server.Transport.Output;

        (Task<FlushResult> flush, long written) = await WriteUntilFlushPendsAsync(output);
        Assert.False(await CompletesWithinAsync(flush, NegativeWait), "the flush completed while the client was not reading and the socket was full");

        Task<byte[]> receive = ReceiveExactlyAsync(client, checked((int)written), cts.Token);
        FlushResult result = await Within(flush, "the flush to complete once the client read", cts.Token);
        Assert.False(result.IsCanceled);
        Assert.False(result.IsCompleted);

        // Room again, but what the full socket refused is held for the next flush (with whatever comes next).
        await FlushHeldBytesAsync(output, cts.Token);
        AssertPattern(await Within(receive, "everything written", cts.Token), offset: 0);

        // The connection is still good for more.
        written = WriteChunk(output, written, 1000);
        result = await Within(output.FlushAsync(), "a flush to a reading client", cts.Token);
        Assert.False(result.IsCompleted);
        AssertPattern(await ReceiveExactlyAsync(client, 1000, cts.Token), offset: written - 1000);
    }

    [Fact]
    public async Task Writing_while_a_flush_is_pending_throws()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token, receiveBufferSize: 4096);
        PipeWriter output = server.Transport.Output;

        (Task<FlushResult> flush, long written) = await WriteUntilFlushPendsAsync(output);
        Assert.Throws<InvalidOperationException>(() => output.GetSpan());
        Assert.Throws<InvalidOperationException>(() => output.GetMemory(16));
        Assert.Throws<InvalidOperationException>(() => output.Write("late"u8));

        // The refused writes left nothing behind: the client gets exactly what was flushed, then what comes next.
        Task<byte[]> receive = ReceiveExactlyAsync(client, checked((int)written), cts.Token);
        Assert.False((await Within(flush, "the pending flush", cts.Token)).IsCompleted);
        await FlushHeldBytesAsync(output, cts.Token);
        AssertPattern(await Within(receive, "everything flushed", cts.Token), offset: 0);

        output.Write("next"u8);
        await Within(output.FlushAsync(), "a flush after the pending one", cts.Token);
        Assert.Equal("next"u8.ToArray(), await ReceiveExactlyAsync(client, 4, cts.Token));
    }

    [Fact]
    public async Task A_pending_read_sees_the_peer_shut_down_after_the_remaining_bytes()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        PipeReader input = server.Transport.Input;

        Task<ReadResult> read = StartPendingRead(input, "a read completed before the client sent anything");

        byte[] message = Pattern(10_000, offset: 0);
        await SendAllAsync(client, message, cts.Token);
        client.Shutdown(SocketShutdown.Send);

        byte[] received = await ReadToEndAsync(input, read, cts.Token);
        AssertPattern(received, offset: 0);
        Assert.Equal(message.Length, received.Length);
    }

    [Fact]
    public async Task Bytes_and_the_end_of_stream_that_arrive_together_are_both_delivered()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        (Socket blocker, ConnectionContext blockerServer) = await harness.ConnectPairAsync(cts.Token);

        // Hold the loop thread so that the bytes and the FIN are both queued on the socket before it looks: one
        // edge-triggered report then stands for both, and the loop must not stop at the bytes.
        TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            Task loopHeld = HoldLoopThreadOnNextRead(blockerServer.Transport.Input, release.Task);
            await SendAllAsync(blocker, "x"u8.ToArray(), cts.Token);
            await Within(loopHeld, "the loop thread to run the blocking continuation", cts.Token);

            await SendAllAsync(client, "last words"u8.ToArray(), cts.Token);
            client.Shutdown(SocketShutdown.Send);
            await WaitForServerSocketStateAsync(harness.Port, ((IPEndPoint)client.LocalEndPoint!).Port, TcpState.CloseWait, cts.Token);
        }
        finally
        {
            release.TrySetResult();
        }

        byte[] received = await ReadToEndAsync(server.Transport.Input, null, cts.Token);
        Assert.Equal("last words", Encoding.ASCII.GetString(received));
    }

    [Fact]
    public async Task Bytes_that_arrive_after_the_app_examined_everything_are_returned_by_the_next_read()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        (Socket barrier, ConnectionContext barrierServer) = await harness.ConnectPairAsync(cts.Token);
        PipeReader input = server.Transport.Input;

        await SendAllAsync(client, "ab"u8.ToArray(), cts.Token);
        ReadResult result = await Within(input.ReadAsync(), "the first bytes", cts.Token);
        while (result.Buffer.Length < 2)
        {
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await Within(input.ReadAsync(), "the first bytes", cts.Token);
        }

        // An incomplete frame: nothing consumed, everything examined, so the next read waits for more bytes.
        input.AdvanceTo(result.Buffer.Start, result.Buffer.End);

        // The rest arrives before the app asks again. The loop reports sockets in the order they became readable,
        // so once the second connection's read completed, the loop has received these bytes too.
        await SendAllAsync(client, "cd"u8.ToArray(), cts.Token);
        await SendAllAsync(barrier, "x"u8.ToArray(), cts.Token);
        await Within(barrierServer.Transport.Input.ReadAsync(), "the barrier connection's read", cts.Token);

        result = await Within(input.ReadAsync(), "the read of bytes that arrived after AdvanceTo", cts.Token);
        Assert.Equal("abcd", Encoding.ASCII.GetString(result.Buffer.ToArray()));
        input.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task Completing_the_output_sends_the_written_bytes_then_ends_the_connection()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        Task closed = ClosedAsync(server);
        Task<ReadResult> read = StartPendingRead(server.Transport.Input, "a read completed with nothing to read");

        server.Transport.Output.Write("goodbye"u8);
        await server.Transport.Output.CompleteAsync();

        Assert.Equal("goodbye"u8.ToArray(), await ReceiveExactlyAsync(client, 7, cts.Token));
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token));
        await Within(closed, "ConnectionClosed", cts.Token);
        Assert.True(server.ConnectionClosed.IsCancellationRequested);

        ReadResult result = await Within(read, "the pending read to see the end", cts.Token);
        Assert.True(result.IsCompleted);
        Assert.True(result.Buffer.IsEmpty);
    }

    [Fact]
    public async Task Completing_the_output_with_unsent_bytes_ends_the_connection_only_after_they_are_sent()
    {
        // Twice the largest send buffer Linux grows to by default (tcp_wmem), so the kernel cannot take it all.
        const int total = 8 * MiB;
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token, receiveBufferSize: 4096);
        Task closed = ClosedAsync(server);

        // More than the socket buffers hold while the client does not read: Complete leaves bytes to the loop.
        PipeWriter output = server.Transport.Output;
        WriteChunk(output, 0, total);
        output.Complete();
        Assert.False(await CompletesWithinAsync(closed, NegativeWait), "the connection ended before its last bytes were sent");

        AssertPattern(await ReceiveExactlyAsync(client, total, cts.Token), offset: 0);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token));
        await Within(closed, "ConnectionClosed", cts.Token);
    }

    [Fact]
    public async Task Abort_ends_a_pending_read_fires_ConnectionClosed_and_ends_the_client_stream()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        Task closed = ClosedAsync(server);
        Task<ReadResult> read = StartPendingRead(server.Transport.Input, "a read completed with nothing to read");

        server.Abort();

        try
        {
            ReadResult result = await Within(read, "the pending read to end", cts.Token);
            Assert.True(result.IsCompleted, "the read ended without the end of the stream");
        }
        catch (ConnectionAbortedException)
        {
            // The other way for a read to end on Abort, as with Kestrel's socket transport.
        }

        await Within(closed, "ConnectionClosed", cts.Token);

        server.Transport.Output.Write("too late"u8);
        FlushResult flush = await Within(server.Transport.Output.FlushAsync(), "a flush after Abort", cts.Token);
        Assert.True(flush.IsCompleted);

        Assert.True(await ClientSeesTheEndAsync(client, cts.Token), "the client received bytes after Abort");
    }

    [Fact]
    public async Task Abort_completes_a_pending_flush()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token, receiveBufferSize: 4096);
        Task closed = ClosedAsync(server);

        (Task<FlushResult> flush, _) = await WriteUntilFlushPendsAsync(server.Transport.Output);
        server.Abort();

        Assert.True((await Within(flush, "the pending flush to end on Abort", cts.Token)).IsCompleted);
        await Within(closed, "ConnectionClosed", cts.Token);
        GC.KeepAlive(client);
    }

    [Fact]
    public async Task CancelPendingRead_cancels_a_pending_read()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        PipeReader input = server.Transport.Input;

        Task<ReadResult> read = StartPendingRead(input, "a read completed with nothing to read");
        input.CancelPendingRead();

        ReadResult result = await Within(read, "the canceled read", cts.Token);
        Assert.True(result.IsCanceled);
        Assert.False(result.IsCompleted);
        Assert.True(result.Buffer.IsEmpty);
        input.AdvanceTo(result.Buffer.Start);

        // The cancellation was for that read only: the next one waits for, and gets, the client's bytes.
        Task<ReadResult> nextTask = StartPendingRead(input, "the read after a canceled one completed without data");
        await SendAllAsync(client, "data"u8.ToArray(), cts.Token);
        result = await Within(nextTask, "the read after the canceled one", cts.Token);
        Assert.False(result.IsCanceled);
        Assert.Equal("data", Encoding.ASCII.GetString(result.Buffer.ToArray()));
        input.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task CancelPendingRead_before_a_read_cancels_that_read()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        PipeReader input = server.Transport.Input;

        input.CancelPendingRead();
        ValueTask<ReadResult> canceled = input.ReadAsync();
        Assert.True(canceled.IsCompleted, "a read after CancelPendingRead waited");
        ReadResult result = await canceled;
        Assert.True(result.IsCanceled);
        input.AdvanceTo(result.Buffer.Start);

        // Even with bytes buffered, a canceled read leaves them for the next read.
        await SendAllAsync(client, "data"u8.ToArray(), cts.Token);
        byte[] first = await ReadExactlyAsync(input, 1, cts.Token);
        input.CancelPendingRead();
        result = await Within(input.ReadAsync(), "the canceled read", cts.Token);
        Assert.True(result.IsCanceled);
        input.AdvanceTo(result.Buffer.Start);
        byte[] rest = await ReadExactlyAsync(input, 3, cts.Token);
        Assert.Equal("data", Encoding.ASCII.GetString(first) + Encoding.ASCII.GetString(rest));
    }

    [Fact]
    public async Task Accepted_sockets_have_nodelay_inherited_from_the_listener()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket _, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);

        // A view of the server's descriptor that does not own it; an ACK that waited for Nagle would cost 40 ms.
        using Socket view = new(new SafeSocketHandle(((EpollConnection)server).Fd, ownsHandle: false));
        Assert.True(view.NoDelay);
    }

    [Fact]
    public async Task A_token_cancels_only_the_read_it_was_given_to()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        PipeReader input = server.Transport.Input;
        using CancellationTokenSource longLived = new();

        Task<ReadResult> first = input.ReadAsync(longLived.Token).AsTask();
        await SendAllAsync(client, "a"u8.ToArray(), cts.Token);
        ReadResult result = await Within(first, "the first read", cts.Token);
        Assert.False(result.IsCanceled);
        input.AdvanceTo(result.Buffer.End);

        // The first read is over: cancelling its token now must not cancel the next read, which has no token.
        await longLived.CancelAsync();
        await SendAllAsync(client, "b"u8.ToArray(), cts.Token);
        result = await Within(input.ReadAsync(), "the second read", cts.Token);
        Assert.False(result.IsCanceled);
        Assert.Equal("b", Encoding.ASCII.GetString(result.Buffer.ToArray()));
        input.AdvanceTo(result.Buffer.End);

        // A pending read is cancelled by its token.
        using CancellationTokenSource third = new();
        Task<ReadResult> cancelled = input.ReadAsync(third.Token).AsTask();
        await third.CancelAsync();
        result = await Within(cancelled, "the cancelled read", cts.Token);
        Assert.True(result.IsCanceled);
        input.AdvanceTo(result.Buffer.Start);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::")]
    public async Task RemoteEndPoint_is_the_clients_address_and_port(string bindAddress)
    {
        IPAddress address = IPAddress.Parse(bindAddress);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6)
        {
            return;
        }

        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync(address);
        Assert.Equal(address, ((IPEndPoint)harness.Listener.EndPoint).Address);

        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        IPEndPoint remote = Assert.IsAssignableFrom<IPEndPoint>(server.RemoteEndPoint);
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, remote.Port);
        Assert.Equal(harness.Listener.EndPoint, server.LocalEndPoint);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // Dual-stack: an IPv4 client shows as IPv4-mapped, as with Kestrel's sockets; an IPv6 one as itself.
            Assert.Equal(AddressFamily.InterNetworkV6, remote.AddressFamily);
            Assert.True(remote.Address.IsIPv4MappedToIPv6, $"{remote.Address} is not IPv4-mapped");
            Assert.Equal(IPAddress.Loopback, remote.Address.MapToIPv4());
            if (!HasIPv6Loopback())
            {
                return;
            }

            Socket client6 = await harness.ConnectAsync(cts.Token, IPAddress.IPv6Loopback);
            ConnectionContext server6 = await harness.AcceptAsync(cts.Token);
            IPEndPoint remote6 = Assert.IsAssignableFrom<IPEndPoint>(server6.RemoteEndPoint);
            Assert.Equal(IPAddress.IPv6Loopback, remote6.Address);
            Assert.Equal(((IPEndPoint)client6.LocalEndPoint!).Port, remote6.Port);
        }
        else
        {
            Assert.Equal(AddressFamily.InterNetwork, remote.AddressFamily);
            Assert.Equal(IPAddress.Loopback, remote.Address);
        }
    }

    [Fact]
    public async Task Accepts_500_connections_echoes_a_message_on_each_and_closes_them_all()
    {
        const int count = 500;
        using CancellationTokenSource cts = new(TimeSpan.FromSeconds(60));
        await using EpollHarness harness = await EpollHarness.StartAsync();

        List<ConnectionContext> connections = [];
        List<Task> closed = [];
        List<Task> echoes = [];
        Task serve = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                ConnectionContext connection = await harness.AcceptAsync(cts.Token);
                connections.Add(connection);
                closed.Add(ClosedAsync(connection));
                echoes.Add(Task.Run(() => EchoAsync(connection)));
            }
        });

        Socket[] clients = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            Socket client = await harness.ConnectAsync(cts.Token);
            byte[] message = Encoding.ASCII.GetBytes($"message {i} from client {i}");
            await SendAllAsync(client, message, cts.Token);
            Assert.Equal(message, await ReceiveExactlyAsync(client, message.Length, cts.Token));
            return client;
        }));
        await Within(serve, "every connection to be accepted", cts.Token);

        Assert.Equal(count, connections.Select(c => c.ConnectionId).Distinct().Count());
        Assert.Equal(
            clients.Select(c => ((IPEndPoint)c.LocalEndPoint!).Port).Order(),
            connections.Select(c => ((IPEndPoint)c.RemoteEndPoint!).Port).Order());

        foreach (Socket client in clients)
        {
            client.Dispose();
        }

        await Within(Task.WhenAll(echoes), "every echo loop to see its client go", cts.Token);
        await Within(Task.WhenAll(closed), "ConnectionClosed on every connection", cts.Token);
    }

    [Fact]
    public async Task Disposing_the_factory_on_the_loop_thread_neither_waits_for_itself_nor_cuts_the_batch_short()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket clientA, ConnectionContext serverA) = await harness.ConnectPairAsync(cts.Token);
        (Socket clientB, ConnectionContext serverB) = await harness.ConnectPairAsync(cts.Token);
        (Socket blocker, ConnectionContext blockerServer) = await harness.ConnectPairAsync(cts.Token);

        // As an application that disposes its host right after a read: whichever of the two reads the loop completes
        // first disposes the factory from the loop thread; the other must still be delivered afterwards.
        int completedReads = 0;
        TimeSpan disposeTook = TimeSpan.Zero;
        TaskCompletionSource secondRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRead()
        {
            if (Interlocked.Increment(ref completedReads) == 1)
            {
                Stopwatch stopwatch = Stopwatch.StartNew();
                harness.Factory.Dispose();
                disposeTook = stopwatch.Elapsed;
            }
            else
            {
                secondRead.TrySetResult();
            }
        }

        RunInlineOnNextRead(serverA.Transport.Input, OnRead);
        RunInlineOnNextRead(serverB.Transport.Input, OnRead);

        // Both sockets become readable while the loop is held, so that one batch of events reports both.
        TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            Task loopHeld = HoldLoopThreadOnNextRead(blockerServer.Transport.Input, release.Task);
            await SendAllAsync(blocker, "x"u8.ToArray(), cts.Token);
            await Within(loopHeld, "the loop thread to run the blocking continuation", cts.Token);
            foreach (Socket client in new[] { clientA, clientB })
            {
                await SendAllAsync(client, "x"u8.ToArray(), cts.Token);
                client.Shutdown(SocketShutdown.Send);
                await WaitForServerSocketStateAsync(harness.Port, ((IPEndPoint)client.LocalEndPoint!).Port, TcpState.CloseWait, cts.Token);
            }
        }
        finally
        {
            release.TrySetResult();
        }

        await Within(secondRead.Task, "the second read of the batch the loop was disposed in", cts.Token);

        // A join on itself would have waited out its whole timeout (2 s).
        Assert.True(disposeTook < TimeSpan.FromSeconds(1), $"disposing the factory on the loop thread took {disposeTook}");
    }

    [Fact]
    public void Connection_generations_are_distinct_nonzero_and_fit_the_event_token()
    {
        using EpollLoop loop = new(NullLogger.Instance);
        HashSet<uint> seen = [];
        for (int i = 0; i < 10_000; i++)
        {
            uint generation = loop.NextGeneration();

            // The token is generation << 32 | fd, and bit 63 marks listeners: 31 bits at most.
            Assert.InRange(generation, 1u, 0x7FFF_FFFFu);
            Assert.True(seen.Add(generation), $"generation {generation} was handed out twice in {i + 1}");
        }
    }

    [Fact]
    public void ConnectionFeatures_set_get_overwrite_remove_and_enumerate()
    {
        ConnectionFeatures features = new();
        Assert.False(features.IsReadOnly);
        Assert.Empty(features);
        Assert.Null(features.Get<IConnectionIdFeature>());

        int revision = features.Revision;
        StubIdFeature first = new();
        features.Set<IConnectionIdFeature>(first);
        Assert.Same(first, features.Get<IConnectionIdFeature>());
        Assert.Same(first, features[typeof(IConnectionIdFeature)]);
        Assert.Equal(revision + 1, features.Revision);

        StubIdFeature second = new();
        features.Set<IConnectionIdFeature>(second);
        Assert.Same(second, features.Get<IConnectionIdFeature>());
        Assert.Equal(revision + 2, features.Revision);
        Assert.Single(features);

        // More than the initial room, so the store grows.
        Type[] keys = [typeof(string), typeof(int), typeof(Uri), typeof(Version), typeof(Guid), typeof(DateTime), typeof(TimeSpan), typeof(decimal)];
        for (int i = 0; i < keys.Length; i++)
        {
            features[keys[i]] = i;
        }

        Assert.Equal(revision + 2 + keys.Length, features.Revision);
        Assert.Equal(keys.Length + 1, features.Count());
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(i, features[keys[i]]);
        }

        // Setting null removes; the others are untouched.
        features[typeof(Uri)] = null;
        Assert.Null(features[typeof(Uri)]);
        Assert.Equal(revision + 3 + keys.Length, features.Revision);
        features.Set<IConnectionIdFeature>(null);
        Assert.Null(features.Get<IConnectionIdFeature>());
        Assert.Equal(revision + 4 + keys.Length, features.Revision);

        // Removing what is not there changes nothing.
        features[typeof(Uri)] = null;
        Assert.Equal(revision + 4 + keys.Length, features.Revision);

        Dictionary<Type, object> expected = keys.Where(k => k != typeof(Uri)).ToDictionary(k => k, k => (object)Array.IndexOf(keys, k));
        Dictionary<Type, object> enumerated = features.ToDictionary(pair => pair.Key, pair => pair.Value);
        Assert.Equal(expected, enumerated);

        Assert.Throws<ArgumentNullException>(() => features[null!]);
        Assert.Throws<ArgumentNullException>(() => features[null!] = 1);
    }

    [Fact]
    public async Task A_connection_keeps_the_features_set_on_it()
    {
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (_, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);

        StubIdFeature feature = new();
        server.Features.Set<IConnectionIdFeature>(feature);
        Assert.Same(feature, server.Features.Get<IConnectionIdFeature>());
        server.Items["key"] = "value";
        Assert.Equal("value", server.Items["key"]);
    }

    [Fact]
    public async Task Reading_pauses_at_the_buffer_bound_and_resumes_once_the_app_consumes()
    {
        const int total = 3 * MiB;

        // The bound is never below 1 MiB (at least twice the frame limit), whatever the options.
        const int bound = MiB;
        using CancellationTokenSource cts = new(TestTimeout);
        await using EpollHarness harness = await EpollHarness.StartAsync();
        (Socket client, ConnectionContext server) = await harness.ConnectPairAsync(cts.Token);
        PipeReader input = server.Transport.Input;
        Task send = SendAllAsync(client, Pattern(total, offset: 0), cts.Token);

        // Consume nothing, examine everything: the buffer grows until the bound.
        ReadResult result = await Within(input.ReadAsync(), "the first bytes", cts.Token);
        while (result.Buffer.Length < bound)
        {
            Assert.False(result.IsCompleted);
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await Within(input.ReadAsync(), $"more bytes ({result.Buffer.Length} buffered)", cts.Token);
        }

        long buffered = result.Buffer.Length;
        Assert.InRange(buffered, bound, total - 1);
        AssertPattern(result.Buffer.ToArray(), offset: 0);

        // At the bound, receiving pauses: nothing new arrives for the read however long the client has more.
        input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        Task<ReadResult> paused = input.ReadAsync().AsTask();
        Assert.False(await CompletesWithinAsync(paused, NegativeWait), "reading went on past the bound");
        input.CancelPendingRead();
        result = await Within(paused, "the canceled read", cts.Token);
        Assert.True(result.IsCanceled);
        Assert.Equal(buffered, result.Buffer.Length);

        // Consuming makes room and receiving resumes, to the last byte.
        byte[] received = new byte[total];
        int got = 0;
        while (true)
        {
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                Assert.True(got + segment.Length <= total, "more bytes than the client sent");
                segment.Span.CopyTo(received.AsSpan(got));
                got += segment.Length;
            }

            input.AdvanceTo(result.Buffer.End);
            if (got == total)
            {
                break;
            }

            result = await Within(input.ReadAsync(), $"the rest ({got} of {total} bytes read)", cts.Token);
            Assert.False(result.IsCompleted && result.Buffer.IsEmpty, $"the stream ended after {got} of {total} bytes");
        }

        AssertPattern(received, offset: 0);
        await Within(send, "the client's send", cts.Token);
    }

    /// <summary>Reads until the stream ends, from <paramref name="first"/> if a read is already pending.</summary>
    private static async Task<byte[]> ReadToEndAsync(PipeReader input, Task<ReadResult>? first, CancellationToken cancellationToken)
    {
        List<byte> received = [];
        Task<ReadResult> read = first ?? input.ReadAsync(CancellationToken.None).AsTask();
        while (true)
        {
            ReadResult result = await Within(read, $"the end of the stream ({received.Count} bytes read so far)", cancellationToken);
            Assert.False(result.IsCanceled);
            received.AddRange(result.Buffer.ToArray());
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return [.. received];
            }

            read = input.ReadAsync(CancellationToken.None).AsTask();
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, leaving anything after them for the next read.</summary>
    private static async Task<byte[]> ReadExactlyAsync(PipeReader input, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await Within(input.ReadAsync(CancellationToken.None), $"{count} bytes", cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length >= count)
            {
                byte[] bytes = buffer.Slice(0, count).ToArray();
                input.AdvanceTo(buffer.GetPosition(count));
                return bytes;
            }

            Assert.False(result.IsCompleted, $"the stream ended after {buffer.Length} of {count} bytes");
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>An echo server's connection loop, as a Kestrel connection handler would run it.</summary>
    private static async Task EchoAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(result.Buffer.End);
                FlushResult flush = await output.FlushAsync();
                if (result.IsCompleted || flush.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }

    /// <summary>Writes 64 KiB chunks, each flushed, until a flush cannot complete at once (the socket is full).</summary>
    private static async Task<(Task<FlushResult> Flush, long Written)> WriteUntilFlushPendsAsync(PipeWriter output)
    {
        const long limit = 256L * MiB;
        long written = 0;
        while (written < limit)
        {
            written = WriteChunk(output, written, 64 * 1024);
            ValueTask<FlushResult> flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                return (flush.AsTask(), written);
            }

            FlushResult result = await flush;
            Assert.False(result.IsCompleted || result.IsCanceled, "a flush to a connected client ended the output");
        }

        throw new InvalidOperationException($"No flush waited after {limit} bytes to a client that does not read.");
    }

    /// <summary>Writes the pattern bytes at <paramref name="offset"/> (not flushed); returns the offset after them.</summary>
    private static long WriteChunk(PipeWriter output, long offset, int size)
    {
        Span<byte> span = output.GetSpan(size)[..size];
        FillPattern(span, offset);
        output.Advance(size);
        return offset + size;
    }

    /// <summary>
    /// Has the loop thread block inside the continuation of <paramref name="input"/>'s next read until
    /// <paramref name="release"/> completes; the returned task completes once it is blocked there.
    /// </summary>
    private static Task HoldLoopThreadOnNextRead(PipeReader input, Task release)
    {
        TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        RunInlineOnNextRead(input, () =>
        {
            held.TrySetResult();
            release.Wait(TestTimeout);
        });
        return held.Task;
    }

    /// <summary>Runs <paramref name="action"/> where the transport completes <paramref name="input"/>'s next read.</summary>
    private static void RunInlineOnNextRead(PipeReader input, Action action)
    {
        ValueTask<ReadResult> read = input.ReadAsync(CancellationToken.None);
        Assert.False(read.IsCompleted, "the read completed at once, before the test set it up");

        // Without a captured context the transport runs the continuation inline, on the loop thread.
        read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(action);
    }

    /// <summary>Waits until the kernel shows the server's side of a loopback connection in <paramref name="state"/>.</summary>
    private static async Task WaitForServerSocketStateAsync(int serverPort, int clientPort, TcpState state, CancellationToken cancellationToken)
    {
        while (!IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections().Any(c =>
            c.LocalEndPoint.Port == serverPort && c.RemoteEndPoint.Port == clientPort && c.State == state))
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    private static bool HasIPv6Loopback() =>
        NetworkInterface.GetAllNetworkInterfaces().Any(n =>
            n.NetworkInterfaceType == NetworkInterfaceType.Loopback
            && n.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(IPAddress.IPv6Loopback)));

    private static Task ClosedAsync(ConnectionContext connection)
    {
        TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionClosed.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), closed);
        return closed.Task;
    }

    /// <summary>True once the client's stream ends (an orderly end or a reset); false if bytes arrive instead.</summary>
    private static async Task<bool> ClientSeesTheEndAsync(Socket client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ReceiveAsync(new byte[1], SocketFlags.None, cancellationToken) == 0;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        int received = 0;
        while (received < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken);
            Assert.True(n > 0, $"the stream ended after {received} of {count} bytes");
            received += n;
        }

        return buffer;
    }

    /// <summary>Starts a read that must wait (nothing is buffered), as a task to await later.</summary>
    private static Task<ReadResult> StartPendingRead(PipeReader input, string failure)
    {
        ValueTask<ReadResult> pending = input.ReadAsync();
        Assert.False(pending.IsCompleted, failure);
        return pending.AsTask();
    }

    /// <summary>Flushes until the writer holds nothing back (a flush that meets a full socket keeps the rest).</summary>
    private static async Task FlushHeldBytesAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        while (output.UnflushedBytes > 0)
        {
            await Within(output.FlushAsync(CancellationToken.None), "a flush of the held bytes", cancellationToken);
        }
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan wait) => await Task.WhenAny(task, Task.Delay(wait)) == task;

    private static Task<T> Within<T>(ValueTask<T> task, string what, CancellationToken cancellationToken) => Within(task.AsTask(), what, cancellationToken);

    private static async Task<T> Within<T>(Task<T> task, string what, CancellationToken cancellationToken)
    {
        await Within((Task)task, what, cancellationToken);
        return await task;
    }

    private static async Task Within(Task task, string what, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            throw new TimeoutException($"Timed out waiting for {what}.", ex);
        }
    }

    // Position-dependent bytes, so a lost, repeated or reordered chunk of any size shows at its first byte.
    private static byte PatternByte(long offset) => (byte)(((offset * 0x9E3779B1L) >> 13) ^ (offset >> 16));

    private static void FillPattern(Span<byte> span, long offset)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = PatternByte(offset + i);
        }
    }

    private static byte[] Pattern(int length, long offset)
    {
        byte[] bytes = new byte[length];
        FillPattern(bytes, offset);
        return bytes;
    }

    private static void AssertPattern(ReadOnlySpan<byte> actual, long offset)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] != PatternByte(offset + i))
            {
                Assert.Fail($"byte {offset + i} is {actual[i]}, expected {PatternByte(offset + i)} (of {actual.Length} bytes checked from {offset})");
            }
        }
    }

    private sealed class StubIdFeature : IConnectionIdFeature
    {
        public string ConnectionId { get; set; } = "stub";
    }
}
