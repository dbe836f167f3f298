using System.Collections.Concurrent;
using System.Net;
using Janus.Protocol;
using Janus.Server.Heartbeat;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Janus.Server.Security;
using Microsoft.Extensions.Options;

namespace Janus.Server.Limits;

/// <summary>
/// The door every client connection (TCP and WebSocket) passes: at most <see cref="LimitsOptions.MaxConnections"/>
/// open in total, and for addresses outside the trusted networks at most
/// <see cref="LimitsOptions.MaxConnectionsPerAddress"/> per address and
/// <see cref="LimitsOptions.NewConnectionsPerSecondPerAddress"/> new ones a second.
/// </summary>
/// <remarks>
/// Cheap on purpose, as refusing is a denial-of-service path: one atomic add for the total; for an untrusted address one
/// dictionary lookup and a lock of that address's own entry, at connect and at close only, never per frame. A refusal
/// allocates nothing (the error frame is encoded once for the process). An address's entry stays while it has a
/// connection or its rate bucket is not full again, so connecting and closing in a loop does not reset the rate; the
/// heartbeat sweep forgets the others once a second, which bounds the dictionary by the addresses seen in the last
/// second plus those with connections open.
/// </remarks>
public sealed class ConnectionLimiter
{
    private readonly ConcurrentDictionary<AddressKey, AddressConnections> _addresses = new();
    private readonly TrustedNetworks _trusted;
    private readonly JanusClock _clock;
    private readonly JanusMetrics _metrics;
    private readonly int _maxConnections;
    private readonly int _maxPerAddress;
    private readonly double _connectsPerSecond;
    private readonly long _unitsPerSecond;
    private int _open;

    /// <summary>Reads the limits once.</summary>
    public ConnectionLimiter(IOptions<JanusOptions> options, TrustedNetworks trusted, JanusClock clock, JanusMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        LimitsOptions limits = options.Value.Limits;
        _trusted = trusted;
        _clock = clock;
        _metrics = metrics;
        _maxConnections = limits.MaxConnections;
        _maxPerAddress = limits.MaxConnectionsPerAddress;
        _connectsPerSecond = limits.NewConnectionsPerSecondPerAddress;
        _unitsPerSecond = Math.Max(1, clock.ToTimestampUnits(TimeSpan.FromSeconds(1)));
    }

    /// <summary>Client connections admitted and not yet released.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Addresses the limiter keeps an entry for now (untrusted addresses only).</summary>
    public int TrackedAddresses => _addresses.Count;

    /// <summary>
    /// Admits a connection from <paramref name="address"/> or says why not (counted in
    /// <see cref="JanusMetrics.Refused"/>). An admitted connection must be released exactly once with
    /// <see cref="Release"/>, passing back <paramref name="slot"/>.
    /// </summary>
    internal ProtocolError TryAdmit(IPAddress? address, out AddressConnections? slot)
    {
        slot = null;
        if (Interlocked.Increment(ref _open) > _maxConnections)
        {
            Interlocked.Decrement(ref _open);
            return Refuse(ProtocolError.TooManyConnections);
        }

        if (address is null || (_maxPerAddress == 0 && _connectsPerSecond == 0) || _trusted.IsTrusted(address))
        {
            return ProtocolError.None;
        }

        AddressKey key = AddressKey.From(address);
        while (true)
        {
            AddressConnections entry = _addresses.GetOrAdd(key, static _ => new AddressConnections());
            lock (entry.Gate)
            {
                if (entry.Removed)
                {
                    // The sweep took it out between the lookup and the lock: make a fresh one.
                    continue;
                }

                ProtocolError error = ProtocolError.None;
                if (_connectsPerSecond > 0 && !entry.Connects.TryTake(_clock.Now, _connectsPerSecond, _unitsPerSecond))
                {
                    error = ProtocolError.ConnectionRateLimited;
                }
                else if (_maxPerAddress > 0 && entry.Open >= _maxPerAddress)
                {
                    error = ProtocolError.TooManyConnectionsFromAddress;
                }

                if (error != ProtocolError.None)
                {
                    Interlocked.Decrement(ref _open);
                    return Refuse(error);
                }

                entry.Open++;
                slot = entry;
                return ProtocolError.None;
            }
        }
    }

    /// <summary>Gives back what <see cref="TryAdmit"/> took (call once per admitted connection).</summary>
    internal void Release(AddressConnections? slot)
    {
        Interlocked.Decrement(ref _open);
        if (slot is not null)
        {
            lock (slot.Gate)
            {
                slot.Open--;
            }
        }
    }

    /// <summary>Forgets addresses with nothing open and a full rate bucket (the heartbeat calls this once a second).</summary>
    internal void Sweep()
    {
        if (_addresses.IsEmpty)
        {
            return;
        }

        long now = _clock.Now;
        foreach (KeyValuePair<AddressKey, AddressConnections> pair in _addresses)
        {
            AddressConnections entry = pair.Value;
            lock (entry.Gate)
            {
                if (entry.Open > 0 || !entry.Connects.IsFullAt(now, Math.Max(1, _connectsPerSecond), _unitsPerSecond))
                {
                    continue;
                }

                entry.Removed = true;
            }

            _addresses.TryRemove(pair);
        }
    }

    private ProtocolError Refuse(ProtocolError reason)
    {
        _metrics.ConnectionRefused(reason);
        return reason;
    }
}
