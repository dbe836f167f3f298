using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Janus.Testing;

/// <summary>
/// A TCP proxy for fault injection: listens on a free loopback port, forwards every connection to a target, and cuts
/// them on demand with a reset (RST) on both sides, as a dropped network or a killed middlebox does. The client and
/// the server each see their connection break without a close handshake; new connections are forwarded as before.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private int _accepted;

    private FaultProxy(Socket listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect (loopback, real port).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The base address of the proxy as an HTTP origin, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri HttpBaseAddress => new($"http://127.0.0.1:{EndPoint.Port}/");

    /// <summary>Connections being forwarded now.</summary>
    public int OpenConnections => _links.Count;

    /// <summary>Connections accepted since the start.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Starts a proxy on a free loopback port that forwards to <paramref name="target"/>.</summary>
    public static FaultProxy Start(IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(128);
            return new FaultProxy(listener, target);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Resets every connection being forwarded, on both sides, at once. Bytes the proxy has read but not yet written
    /// are lost, as they are when a network drops.
    /// </summary>
    /// <returns>How many connections were cut.</returns>
    public int CutAll()
    {
        int cut = 0;
        foreach (Link link in _links.Keys)
        {
            if (_links.TryRemove(link, out _))
            {
                link.Reset();
                cut++;
            }
        }

        return cut;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        CutAll();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var link = new Link(client, server);
        try
        {
            await server.ConnectAsync(_target, _stopping.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            link.Reset();
            return;
        }

        _links[link] = 0;
        if (_stopping.IsCancellationRequested)
        {
            // DisposeAsync's CutAll may have run before this link was added.
            _links.TryRemove(link, out _);
            link.Reset();
            return;
        }

        bool orderly = (await Task.WhenAll(PumpAsync(link, client, server), PumpAsync(link, server, client))).All(static ended => ended);
        if (_links.TryRemove(link, out _))
        {
            // A reset on one side is passed on to the other as a reset.
            if (orderly)
            {
                link.Close();
            }
            else
            {
                link.Reset();
            }
        }
    }

    /// <summary>Copies one direction until its end of stream (true) or a failure or cut (false).</summary>
    private async Task<bool> PumpAsync(Link link, Socket from, Socket to)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    // An orderly end of stream is passed on as one (FIN), so only CutAll makes resets.
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }

                int sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None);
                }
            }
        }
        catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
        {
            // Cut, or one side reset: the other direction must not wait for traffic that never comes.
            if (_links.TryRemove(link, out _))
            {
                link.Reset();
            }

            return false;
        }
    }

    /// <summary>One forwarded connection: the client's socket and the proxy's socket to the target.</summary>
    private sealed class Link(Socket client, Socket server)
    {
        /// <summary>Closes both sockets with a reset: linger on, timeout zero, so the kernel sends RST, not FIN.</summary>
        public void Reset()
        {
            foreach (Socket socket in new[] { client, server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
                {
                    // Already gone.
                }

                socket.Dispose();
            }
        }

        /// <summary>Closes both sockets after both directions ended normally.</summary>
        public void Close()
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
