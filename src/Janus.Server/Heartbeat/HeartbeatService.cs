using Janus.Server.Fanout;
using Janus.Server.Limits;
using Janus.Server.Logging;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Janus.Server.Sessions;
using Janus.Server.Transports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Heartbeat;

/// <summary>
/// One timer for every connection (never one per connection): once a second it advances the coarse clock, pings
/// clients nothing was sent to for the heartbeat interval, closes clients silent past the timeout or stuck in a frame
/// past the frame timeout, forgets idle addresses of the connection limiter, and aborts
/// connections that overran their close deadline. The timer comes from the injected <see cref="TimeProvider"/>,
/// so tests advance time instead of sleeping.
/// </summary>
public sealed class HeartbeatService : IHostedService, IDisposable
{
    /// <summary>How often the sweep runs.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private readonly ConnectionRegistry _connections;
    private readonly SessionRegistry _sessions;
    private readonly TopicRegistry _topics;
    private readonly JanusMetrics _metrics;
    private readonly MemoryReclaimer _reclaimer;
    private readonly ConnectionLimiter _limiter;
    private readonly JanusClock _clock;
    private readonly ILogger<HeartbeatService> _logger;
    private readonly long _intervalUnits;
    private readonly long _timeoutUnits;
    private readonly Lock _tickLock = new();
    private ITimer? _timer;

    /// <summary>Creates the service; the timer starts with the host.</summary>
    public HeartbeatService(ConnectionRegistry connections, SessionRegistry sessions, TopicRegistry topics, JanusMetrics metrics, JanusClock clock, MemoryReclaimer reclaimer, ConnectionLimiter limiter, IOptions<JanusOptions> options, ILogger<HeartbeatService> logger)
    {
        _limiter = limiter;
        _sessions = sessions;
        _topics = topics;
        _metrics = metrics;
        _reclaimer = reclaimer;
        ArgumentNullException.ThrowIfNull(options);
        _connections = connections;
        _clock = clock;
        _logger = logger;
        _intervalUnits = clock.ToTimestampUnits(options.Value.Heartbeat.Interval);
        _timeoutUnits = clock.ToTimestampUnits(options.Value.Heartbeat.Timeout);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = _clock.Time.CreateTimer(static state => ((HeartbeatService)state!).Tick(), this, TickInterval, TickInterval);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>One sweep over every connection.</summary>
    internal void Tick()
    {
        // A slow sweep must not overlap the next one.
        if (!_tickLock.TryEnter())
        {
            return;
        }

        try
        {
            long now = _clock.Tick();
            foreach (ClientConnection connection in _connections.Connections)
            {
                connection.OnHeartbeat(now, _intervalUnits, _timeoutUnits);
            }

            // Parked sessions past their grace period, and history past its age, go here too.
            _metrics.Unsubscribed(_sessions.Sweep(now));
            _topics.ExpireHistory();
            _limiter.Sweep();
            _reclaimer.OnTick();
        }
        catch (Exception ex)
        {
            Log.HeartbeatFailed(_logger, ex);
        }
        finally
        {
            _tickLock.Exit();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();
}
