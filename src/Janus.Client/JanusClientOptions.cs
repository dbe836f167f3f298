using System.Net;
using System.Net.Security;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Janus.Client;

/// <summary>How a <see cref="JanusClient"/> connects, buffers and keeps its connection alive.</summary>
public sealed class JanusClientOptions
{
    /// <summary>The defaults, shared (do not change them).</summary>
    internal static readonly JanusClientOptions Default = new();

    /// <summary>The server's host name or address, for a client created with <see cref="JanusClient(JanusClientOptions)"/>. Defaults to <c>localhost</c>.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>The server's TCP protocol port. Defaults to 8081.</summary>
    public int Port { get; set; } = 8081;

    /// <summary>The server as an end point; when set it wins over <see cref="Host"/> and <see cref="Port"/>. Defaults to none.</summary>
    public EndPoint? EndPoint { get; set; }

    /// <summary>
    /// Speak TLS (through <see cref="SslStream"/>, TLS 1.2 or 1.3 as the system allows) to a server's TLS port
    /// (<c>Janus:Tls:TcpPort</c>). The server's certificate must be valid for <see cref="TlsTargetHost"/> and trusted
    /// by the system, unless <see cref="TlsCertificateValidation"/> decides instead; a certificate that fails the check
    /// fails the connect with <see cref="System.Security.Authentication.AuthenticationException"/>. Defaults to false.
    /// </summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// The server's name for TLS: sent in the handshake (SNI) and checked against the server's certificate. Defaults to
    /// the host connected to: <see cref="Host"/>, a <see cref="DnsEndPoint"/>'s host, or an IP address as text.
    /// </summary>
    public string? TlsTargetHost { get; set; }

    /// <summary>
    /// Decides whether the server's certificate is accepted, instead of the system's check: for example to pin a
    /// self-signed certificate (accept exactly that certificate, and still refuse
    /// <see cref="SslPolicyErrors.RemoteCertificateNameMismatch"/>). Defaults to none: the system's trust store and the
    /// name check.
    /// </summary>
    public RemoteCertificateValidationCallback? TlsCertificateValidation { get; set; }

    /// <summary>
    /// Opt in to sessions (<c>hello</c>, docs/sessions.md): positions on every message, and a session that a
    /// reconnect resumes without losing messages. A server without sessions refuses <c>hello</c>; the client then
    /// connects again without and, after a drop, subscribes again and reports the gap. Defaults to true; turn it off
    /// to speak exactly the original protocol.
    /// </summary>
    public bool Sessions { get; set; } = true;

    /// <summary>
    /// A subscribe token (a JWT) for protected topics (docs/security.md#authorization), sent in <c>hello</c> (or in
    /// <c>auth</c> on a connection without sessions or before a resume) on every connection, never in a URL. A
    /// secret: never logged. Defaults to none. <see cref="TokenProvider"/>, when set, is used instead.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Gets a fresh subscribe token: called on every connect and reconnect, and <see cref="TokenRefreshBefore"/>
    /// before the current token expires (the server says when in its answer), whose result is sent in <c>auth</c> so
    /// protected subscriptions go on without a break. If it throws, the client tries again at the next refresh or
    /// connect; the token then expires and protected subscriptions end with <see cref="JanusAuthorizationException"/>.
    /// Defaults to none.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>
    /// How long before the token's expiry <see cref="TokenProvider"/> is asked for a fresh one (at most half the
    /// token's remaining life). Defaults to 30 s.
    /// </summary>
    public TimeSpan TokenRefreshBefore { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How the client reconnects after a drop. Defaults to on, 100 ms doubling to 5 s, ±20 % jitter, no limit.</summary>
    public JanusReconnectOptions Reconnect { get; set; } = new();

    /// <summary>Where the client logs (connects, drops, reconnects, what was not recovered). Defaults to none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// The local address to bind before connecting, e.g. <c>127.0.0.2</c>: a load tool spreads its connections over
    /// several source addresses because each runs out of ephemeral ports near 28,000. Defaults to none (the system
    /// picks).
    /// </summary>
    public IPAddress? LocalAddress { get; set; }

    /// <summary>
    /// How long <see cref="JanusClient.ConnectAsync(EndPoint, JanusClientOptions?, CancellationToken)"/> may take,
    /// TCP connect and greeting together, before it throws <see cref="TimeoutException"/>. Defaults to 10 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>When to send the <c>&lt;regular-socket/&gt;</c> prefix. Defaults to <see cref="RegularSocketPrefixMode.OnConnect"/>.</summary>
    public RegularSocketPrefixMode RegularSocketPrefix { get; set; } = RegularSocketPrefixMode.OnConnect;

    /// <summary>
    /// How many received messages each stream (<see cref="JanusClient.Messages"/> and each
    /// <see cref="JanusSubscription"/>) buffers before <see cref="MessageBufferFullMode"/> applies. Defaults to 1,024.
    /// </summary>
    public int MessageBufferCapacity { get; set; } = 1024;

    /// <summary>
    /// What a full stream does with the next message: <see cref="BoundedChannelFullMode.DropWrite"/> (the default)
    /// drops it, <see cref="BoundedChannelFullMode.DropOldest"/> drops the oldest buffered one,
    /// <see cref="BoundedChannelFullMode.DropNewest"/> the newest buffered one. Each drop is counted
    /// (<see cref="JanusClient.DroppedMessages"/>, <see cref="JanusSubscription.DroppedMessages"/>) and the first is
    /// logged. The receive loop never waits for a reader, so a stream nobody reads can hold up neither another stream
    /// nor a subscribe's answer nor a heartbeat; <see cref="BoundedChannelFullMode.Wait"/> is therefore refused.
    /// </summary>
    public BoundedChannelFullMode MessageBufferFullMode { get; set; } = BoundedChannelFullMode.DropWrite;

    /// <summary>
    /// Answer each server <c>PING</c> with <c>PONG</c>, which the server counts as proof of life. Defaults to true;
    /// turn it off only to test a server's liveness checks.
    /// </summary>
    public bool AnswerPings { get; set; } = true;

    /// <summary>
    /// Send <c>PING</c> when the client has written nothing for this long, so that a server with a shorter silence
    /// timeout than its ping interval keeps the connection, and so that a dead peer surfaces as a write error.
    /// Defaults to none: the server's own <c>PING</c>s, answered with <c>PONG</c>, already keep the connection.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>
    /// How long <see cref="JanusClient.DisposeAsync"/> waits for the server to close its side after the client
    /// closed its own, before it drops the connection. Defaults to 2 s.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest server message accepted; a server that sends more without a delimiter is cut off with
    /// <see cref="JanusConnectionClosedException"/>, so a broken peer cannot make the client buffer without bound.
    /// Defaults to 1 MiB (Janus's own messages are bounded by its 64 KiB frame limit).
    /// </summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The smallest buffer a socket read uses. Idle connections hold none (the client waits with a zero-byte read).
    /// Defaults to 4 KiB.
    /// </summary>
    public int ReceiveBufferSize { get; set; } = 4096;

    /// <summary>
    /// Takes every delivered message as raw bytes on the receive loop instead of <see cref="JanusClient.Messages"/>:
    /// no allocation per message, for load tools and relays. The handler must be quick and must not block; while
    /// it runs the client reads nothing else. If it throws, the connection is closed with a
    /// <see cref="JanusConnectionClosedException"/> whose inner exception is the handler's. Defaults to none.
    /// </summary>
    public JanusRawMessageHandler? RawMessageHandler { get; set; }

    /// <summary>
    /// The clock for <see cref="JanusMessage.ReceivedAt"/> and the heartbeat timer. Defaults to
    /// <see cref="TimeProvider.System"/>; tests inject a fake one. The connect and close timeouts always run on
    /// real time: they guard against a real network.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws if a setting is out of range.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseTimeout, TimeSpan.Zero, nameof(CloseTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MessageBufferCapacity, 1, nameof(MessageBufferCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 16, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferSize, 256, nameof(ReceiveBufferSize));
        if (HeartbeatInterval is { } heartbeat)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(heartbeat, TimeSpan.Zero, nameof(HeartbeatInterval));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentOutOfRangeException.ThrowIfLessThan(TokenRefreshBefore, TimeSpan.Zero, nameof(TokenRefreshBefore));
        ArgumentNullException.ThrowIfNull(Reconnect, nameof(Reconnect));
        Reconnect.Validate();
        if (MessageBufferFullMode == BoundedChannelFullMode.Wait)
        {
            throw new ArgumentOutOfRangeException(nameof(MessageBufferFullMode), MessageBufferFullMode,
                "Wait would make the receive loop wait for a reader, and so hold up every other stream, answer and heartbeat; choose a drop mode.");
        }

        if (EndPoint is null)
        {
            ArgumentException.ThrowIfNullOrEmpty(Host, nameof(Host));
            ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1, nameof(Port));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        }
    }

    /// <summary>The server to connect to.</summary>
    internal EndPoint ResolveEndPoint() => EndPoint ?? ToEndPoint(Host, Port);

    /// <summary>The TLS handshake's settings for a connection to <paramref name="endPoint"/>, or null without TLS.</summary>
    internal SslClientAuthenticationOptions? CreateTlsOptions(EndPoint endPoint) => !UseTls ? null : new SslClientAuthenticationOptions
    {
        TargetHost = TlsTargetHost ?? endPoint switch
        {
            DnsEndPoint dns => dns.Host,
            IPEndPoint ip => ip.Address.ToString(),
            _ => Host,
        },
        RemoteCertificateValidationCallback = TlsCertificateValidation,
    };

    internal static EndPoint ToEndPoint(string host, int port) =>
        IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);

    /// <summary>These settings for a one-off publish: no session, no reconnect.</summary>
    internal JanusClientOptions ForOneOffPublish()
    {
        var copy = (JanusClientOptions)MemberwiseClone();
        copy.Sessions = false;

        // A publish needs no subscribe token.
        copy.Token = null;
        copy.TokenProvider = null;
        copy.Reconnect = new JanusReconnectOptions { Enabled = false };
        return copy;
    }
}
