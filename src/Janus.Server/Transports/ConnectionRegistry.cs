using System.Collections.Concurrent;
using Janus.Protocol;

namespace Janus.Server.Transports;

/// <summary>Every open client connection, whatever its transport: what the heartbeat sweeps and shutdown closes.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, ClientConnection> _connections = new();
    private readonly Lock _waitersLock = new();
    private readonly List<CountWaiter> _waiters = [];
    private volatile int _waiterCount;
    private volatile bool _stopping;

    /// <summary>Open connections.</summary>
    public int Count => _connections.Count;

    /// <summary>True once shutdown began; new connections are turned away.</summary>
    public bool IsStopping => _stopping;

    internal void Add(ClientConnection connection) => _connections.TryAdd(connection.Session.Id, connection);

    internal void Remove(ClientConnection connection)
    {
        // The dictionary's remove is a full fence, so a waiter registered before it is seen here.
        if (_connections.TryRemove(new KeyValuePair<long, ClientConnection>(connection.Session.Id, connection)) && _waiterCount != 0)
        {
            CompleteWaiters();
        }
    }

    /// <summary>
    /// Completes once at most <paramref name="count"/> connections are open: a connection leaves the registry only
    /// when its cleanup (session, subscriptions) is done, so tests and shutdown can await that instead of polling.
    /// </summary>
    public Task WaitForCountAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_connections.Count <= count)
        {
            return Task.CompletedTask;
        }

        var waiter = new CountWaiter(count);
        lock (_waitersLock)
        {
            _waiters.Add(waiter);
            _waiterCount = _waiters.Count;
        }

        // A remove between the first check and the registration above found no waiter: check again.
        CompleteWaiters();
        if (cancellationToken.CanBeCanceled && !waiter.Task.IsCompleted)
        {
            waiter.Cancellation = cancellationToken.Register(static state => ((CountWaiter)state!).TrySetCanceled(), waiter);
        }

        return waiter.Task;
    }

    /// <summary>Visits every connection (a live view, safe under concurrent change).</summary>
    public IEnumerable<ClientConnection> Connections
    {
        get
        {
            // Enumerating the dictionary itself takes no snapshot; .Values would copy 20,000 references every tick.
            foreach (KeyValuePair<long, ClientConnection> entry in _connections)
            {
                yield return entry.Value;
            }
        }
    }

    /// <summary>Asks every connection to finish sending and close, and turns new ones away.</summary>
    public void CloseAll(ProtocolError reason, TimeSpan drainTimeout)
    {
        _stopping = true;
        foreach (KeyValuePair<long, ClientConnection> entry in _connections)
        {
            entry.Value.BeginClose(reason, sendErrorFrame: entry.Value.AnnouncesShutdown, drainTimeout);
        }
    }

    private void CompleteWaiters()
    {
        int count = _connections.Count;
        lock (_waitersLock)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                CountWaiter waiter = _waiters[i];
                if (waiter.Task.IsCompleted || count <= waiter.Count)
                {
                    _waiters.RemoveAt(i);
                    waiter.TrySetResult();
                    waiter.Cancellation.Dispose();
                }
            }

            _waiterCount = _waiters.Count;
        }
    }

    private sealed class CountWaiter : TaskCompletionSource
    {
        public CountWaiter(int count)
            : base(TaskCreationOptions.RunContinuationsAsynchronously) => Count = count;

        public int Count { get; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }
}
