using System.Collections.Concurrent;
using Janus.Protocol;

namespace Janus.Server.Transports;

/// <summary>Every open client connection, whatever its transport: what the heartbeat sweeps and shutdown closes.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, ClientConnection> _connections = new();
    private volatile bool _stopping;

    /// <summary>Open connections.</summary>
    public int Count => _connections.Count;

    /// <summary>True once shutdown began; new connections are turned away.</summary>
    public bool IsStopping => _stopping;

    internal void Add(ClientConnection connection) => _connections.TryAdd(connection.Session.Id, connection);

    internal void Remove(ClientConnection connection) => _connections.TryRemove(new KeyValuePair<long, ClientConnection>(connection.Session.Id, connection));

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
            entry.Value.BeginClose(reason, sendErrorFrame: false, drainTimeout);
        }
    }
}
