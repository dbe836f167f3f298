using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Janus.Server.Options;
using Janus.Server.Transports.Epoll;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace Janus.Server.Tests.Transports;

/// <summary>
/// One epoll-transport listener driven the way Kestrel drives it, without the Janus app: its own factory (so its own
/// loop thread, which a test may block without touching the others), an accept loop queueing every connection, and
/// the loopback clients connected to it. Disposing ends all of them.
/// </summary>
internal sealed class EpollHarness : IAsyncDisposable
{
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>();
    private readonly List<ConnectionContext> _connections = [];
    private readonly List<Socket> _clients = [];
    private readonly Task _acceptLoop;

    private EpollHarness(EpollTransportFactory factory, IConnectionListener listener)
    {
        Factory = factory;
        Listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public EpollTransportFactory Factory { get; }

    public IConnectionListener Listener { get; }

    public int Port => ((IPEndPoint)Listener.EndPoint).Port;

    /// <summary>A factory with <paramref name="loops"/> event loops (one by default: most tests here reason about one loop thread).</summary>
    public static EpollTransportFactory CreateFactory(int loops = 1) =>
        new(Microsoft.Extensions.Options.Options.Create(new JanusOptions { Tcp = { EventLoops = loops } }), NullLogger<EpollTransportFactory>.Instance);

    public static async Task<EpollHarness> StartAsync(IPAddress? address = null, int loops = 1)
    {
        EpollTransportFactory factory = CreateFactory(loops);
        try
        {
            IConnectionListener listener = await factory.BindAsync(new EpollEndPoint(address ?? IPAddress.Loopback, 0));
            return new EpollHarness(factory, listener);
        }
        catch
        {
            factory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects a client. A small <paramref name="receiveBufferSize"/> (set before connecting, so it bounds the
    /// advertised window) lets a test fill the path to a client that does not read with little data.
    /// </summary>
    public async Task<Socket> ConnectAsync(CancellationToken cancellationToken, IPAddress? address = null, int receiveBufferSize = 0)
    {
        address ??= IPAddress.Loopback;
        Socket client = new(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize > 0)
        {
            client.ReceiveBufferSize = receiveBufferSize;
        }

        lock (_clients)
        {
            _clients.Add(client);
        }

        await client.ConnectAsync(new IPEndPoint(address, Port), cancellationToken);
        return client;
    }

    /// <summary>The next connection the listener accepted.</summary>
    public async Task<ConnectionContext> AcceptAsync(CancellationToken cancellationToken) =>
        await _accepted.Reader.ReadAsync(cancellationToken);

    /// <summary>A client and its server side; only for tests with one connection in flight at a time.</summary>
    public async Task<(Socket Client, ConnectionContext Server)> ConnectPairAsync(CancellationToken cancellationToken, int receiveBufferSize = 0)
    {
        Socket client = await ConnectAsync(cancellationToken, receiveBufferSize: receiveBufferSize);
        ConnectionContext server = await AcceptAsync(cancellationToken);
        return (client, server);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (Socket client in _clients)
            {
                client.Dispose();
            }
        }

        ConnectionContext[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        foreach (ConnectionContext connection in connections)
        {
            await connection.DisposeAsync();
        }

        await Listener.DisposeAsync();

        // Unbinding must end the accept that is waiting; a hang here is a transport bug, so it fails the test.
        await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(10));
        Factory.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (await Listener.AcceptAsync() is { } connection)
        {
            lock (_connections)
            {
                _connections.Add(connection);
            }

            _accepted.Writer.TryWrite(connection);
        }

        _accepted.Writer.TryComplete();
    }
}
