using System.Text;
using Janus.Server.Fanout;
using Janus.Server.Heartbeat;
using Janus.Server.Limits;
using Janus.Server.Metrics;
using Janus.Server.Options;
using Janus.Server.Publishing;
using Janus.Server.Security;
using Janus.Server.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Server.Transports;

/// <summary>What every connection of every transport needs, resolved once and shared.</summary>
public sealed class ConnectionServices
{
    /// <summary>Gathers the shared services and reads the options once.</summary>
    public ConnectionServices(
        IOptions<JanusOptions> options,
        Publisher publisher,
        SessionRegistry sessions,
        ConnectionRegistry connections,
        JanusClock clock,
        JanusMetrics metrics,
        TrustedNetworks trusted,
        SendScheduler senders,
        SessionCommands commands,
        ConnectionLimiter limiter,
        ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Options = options.Value;
        Publisher = publisher;
        Sessions = sessions;
        Connections = connections;
        Clock = clock;
        Metrics = metrics;
        Trusted = trusted;
        Senders = senders;
        Commands = commands;
        Limiter = limiter;
        Logger = loggerFactory.CreateLogger("Janus.Connections");
        FlashPolicy = OutboundMessage.FromTcpBytes(Encoding.UTF8.GetBytes(Options.FlashPolicy.Policy + "\0"));
        CloseTimeoutUnits = clock.ToTimestampUnits(Options.Limits.CloseTimeout);
        FrameTimeoutUnits = clock.ToTimestampUnits(Options.Limits.FrameTimeout);
        UnitsPerSecond = Math.Max(1, clock.ToTimestampUnits(TimeSpan.FromSeconds(1)));
    }

    public JanusOptions Options { get; }

    public Publisher Publisher { get; }

    public SessionRegistry Sessions { get; }

    public ConnectionRegistry Connections { get; }

    public JanusClock Clock { get; }

    public JanusMetrics Metrics { get; }

    public TrustedNetworks Trusted { get; }

    /// <summary>The threads that run connection drains.</summary>
    public SendScheduler Senders { get; }

    /// <summary>The one command layer every transport hands its parsed commands to.</summary>
    public SessionCommands Commands { get; }

    /// <summary>The door every client connection passes (connection limits).</summary>
    public ConnectionLimiter Limiter { get; }

    public ILogger Logger { get; }

    /// <summary>The Flash policy document followed by NUL, ready to send.</summary>
    public OutboundMessage FlashPolicy { get; }

    /// <summary><see cref="LimitsOptions.CloseTimeout"/> in clock units.</summary>
    public long CloseTimeoutUnits { get; }

    /// <summary><see cref="LimitsOptions.FrameTimeout"/> in clock units.</summary>
    public long FrameTimeoutUnits { get; }

    /// <summary>One second in clock units (for rate limits).</summary>
    public long UnitsPerSecond { get; }
}
