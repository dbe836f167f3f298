using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Janus.Testing;

/// <summary>
/// A TCP proxy between a client and a server that can cut every connection through it with a reset, at any moment
/// (NATS.Net's NatsProxy is the model): the tool for resume and fault tests. Bytes in flight when a connection is cut
/// are lost, as on a real network that drops.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<int, Pair> _pairs = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _nextId;
    private int _cuts;

    private FaultProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where clients connect to reach the target through the proxy.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Connections open through the proxy now.</summary>
    public int ConnectionCount => _pairs.Count;

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Starts a proxy to <paramref name="target"/> on a free loopback port.</summary>
    public static FaultProxy Start(IPEndPoint target) => new(target);

    /// <summary>
    /// Cuts every open connection: both sides get a reset (SO_LINGER 0), whatever was in flight is lost. Returns how
    /// many were cut.
    /// </summary>
    public int CutAll()
    {
        int count = 0;
        foreach (KeyValuePair<int, Pair> entry in _pairs)
        {
            if (_pairs.TryRemove(entry.Key, out Pair? pair))
            {
                pair.Reset();
                count++;
            }
        }

        Interlocked.Add(ref _cuts, count);
        return count;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        CutAll();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptAsync(_stopping.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(_target, _stopping.Token);
            }
            catch (SocketException)
            {
                client.Close(0);
                server.Dispose();
                continue;
            }

            int id = Interlocked.Increment(ref _nextId);
            var pair = new Pair(client, server);
            _pairs[id] = pair;
            _ = pair.RunAsync().ContinueWith(_ => _pairs.TryRemove(id, out Pair? _), TaskScheduler.Default);
        }
    }

    private sealed class Pair(Socket client, Socket server)
    {
        private int _closed;

        public async Task RunAsync()
        {
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
            Reset();
        }

        public void Reset()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            // Close(0) sets SO_LINGER to 0: the peer gets a RST, and unsent bytes are dropped.
            client.Close(0);
            server.Close(0);
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            byte[] buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    int read = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Cut, or the other side went away.
            }
        }
    }
}
