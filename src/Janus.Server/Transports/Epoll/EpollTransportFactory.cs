using System.Net;
using Janus.Server.Options;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// Kestrel's entry to the epoll transport. Registered next to Kestrel's socket transport, it binds only
/// <see cref="EpollEndPoint"/>s (the TCP protocol port); Kestrel binds everything else with its sockets.
/// </summary>
/// <remarks>
/// Why a transport of our own: with Kestrel's sockets each idle subscriber keeps two pipes, a
/// <c>SocketConnection</c>, a receiver and a sender with their event args and state machines (about 3 KB), and each
/// read is a zero-byte receive, an epoll wake-up, a thread-pool hop and a second receive. Here an idle connection is
/// a few small objects and no buffer, and a read is one <c>recv</c> on the loop thread (docs/benchmarks.md).
/// </remarks>
public sealed class EpollTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly ILogger<EpollTransportFactory> _logger;
    private readonly int _maxReadBufferBytes;
    private readonly int _loopCount;
    private readonly Lock _gate = new();
    private EpollLoop[]? _loops;

    /// <summary>Creates the factory; the loop thread starts at the first bind.</summary>
    public EpollTransportFactory(IOptions<JanusOptions> options, ILogger<EpollTransportFactory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _maxReadBufferBytes = options.Value.Limits.TransportReadBufferBytes;
        _loopCount = options.Value.Tcp.EventLoops > 0 ? options.Value.Tcp.EventLoops : Environment.ProcessorCount;
    }

    /// <summary>The event loops, once the first endpoint is bound (empty before).</summary>
    internal IReadOnlyList<EpollLoop> Loops
    {
        get
        {
            lock (_gate)
            {
                return _loops ?? [];
            }
        }
    }

    /// <summary>Whether this host can run the transport (it needs Linux's epoll).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => endpoint is EpollEndPoint && IsSupported;

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not EpollEndPoint epoll || !IsSupported)
        {
            throw new NotSupportedException($"The epoll transport binds only {nameof(EpollEndPoint)}s, on Linux.");
        }

        EpollLoop[] loops;
        lock (_gate)
        {
            if (_loops is null)
            {
                _loops = new EpollLoop[_loopCount];
                for (int i = 0; i < _loops.Length; i++)
                {
                    _loops[i] = new EpollLoop(_logger, i);
                }
            }

            loops = _loops;
        }

        return new ValueTask<IConnectionListener>(EpollListener.Bind(loops, _logger, epoll, _maxReadBufferBytes, DescriptorReserve.FromProcessLimit()));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (EpollLoop loop in _loops ?? [])
            {
                loop.Dispose();
            }

            _loops = null;
        }
    }
}
