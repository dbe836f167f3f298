namespace Janus.Server.Options;

/// <summary>Bounds that keep one connection from costing the server more than its share.</summary>
public sealed class LimitsOptions
{
    /// <summary>
    /// The longest client frame; a frame with no delimiter by then is refused with <c>frame_too_large</c>, so input
    /// is never buffered without bound. Defaults to 64 KiB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How much unread input a transport may buffer for a connection before it stops reading: never below the frame
    /// limit, or a large frame would stall (at least 1 MiB). Derived, not a setting (internal: the binder skips it).
    /// </summary>
    internal int TransportReadBufferBytes => (int)Math.Min(int.MaxValue / 2, Math.Max(1024 * 1024, (long)MaxFrameBytes * 2));

    /// <summary>
    /// The most unsent bytes a connection's outbound queue may hold; past it the client is cut as a slow consumer.
    /// Kestrel's 64 KiB output pipe and the kernel's socket buffer come on top. Defaults to 1 MiB (Centrifugo's
    /// figure).
    /// </summary>
    public long MaxQueueBytes { get; set; } = 1024 * 1024;

    /// <summary>The longest topic name in characters. Defaults to 256.</summary>
    public int MaxTopicLength { get; set; } = 256;

    /// <summary>The most topics one connection may subscribe to. Defaults to 1,000.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 1000;

    /// <summary>
    /// The most topics the server holds at once (with subscribers, or kept for their history). A subscribe that would
    /// create one more is refused with <c>too_many_topics</c>; subscribes to existing topics still work. Bounds the
    /// memory topics cost (about 1.5 KiB each with a 256-character name). Defaults to 100,000.
    /// </summary>
    public int MaxTopics { get; set; } = 100_000;

    /// <summary>
    /// The most client connections (TCP and WebSocket together) the server holds at once, from any address, trusted
    /// or not; one more is refused with <c>too_many_connections</c> (TCP: the error frame; WebSocket: HTTP 503 before
    /// the upgrade). Defaults to 50,000.
    /// </summary>
    public int MaxConnections { get; set; } = 50_000;

    /// <summary>
    /// The most connections one client address may hold at once (an IPv6 address counts by its /64 network); one more
    /// is refused with <c>too_many_connections_from_address</c> (WebSocket: HTTP 429). Addresses in
    /// <see cref="SecurityOptions.TrustedNetworks"/> are exempt. 0 means no limit. Defaults to 1,000.
    /// </summary>
    public int MaxConnectionsPerAddress { get; set; } = 1000;

    /// <summary>
    /// How many new connections one client address may open per second (a token bucket holding one second's worth);
    /// past it a connection is refused with <c>connection_rate_limited</c> (WebSocket: HTTP 429). Addresses in
    /// <see cref="SecurityOptions.TrustedNetworks"/> are exempt. 0 means no limit. Defaults to 100.
    /// </summary>
    public int NewConnectionsPerSecondPerAddress { get; set; } = 100;

    /// <summary>
    /// How many publishes one connection may make per second (a token bucket holding one second's worth); past it the
    /// connection is closed with <c>publish_rate_limited</c>. Connections from
    /// <see cref="SecurityOptions.TrustedNetworks"/> are exempt (an API key holder elsewhere is not). 0 means no limit.
    /// Defaults to 1,000.
    /// </summary>
    public int PublishesPerSecondPerConnection { get; set; } = 1000;

    /// <summary>
    /// How long a frame may take from its first byte to its last (TCP: up to its NUL, or a <c>PUBLISH</c> frame's
    /// body; WebSocket: a frame, or a fragmented message from its first fragment to its last). Past it the connection
    /// is closed with <c>frame_timeout</c>, so a client that trickles an endless frame (slowloris) holds its buffered
    /// bytes for this long at most. Only whole frames count as a sign of life for the heartbeat. Checked by the
    /// once-a-second heartbeat sweep. Defaults to 30 s.
    /// </summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a closing connection may take to flush its last bytes (an error frame, queued messages) before it
    /// is aborted. Defaults to 5 s.
    /// </summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many connections this node is provisioned for. Not a cap: at start-up Janus warns when the process's
    /// open-file limit (one descriptor per connection) is below this plus a reserve for listeners and the runtime.
    /// Defaults to 10,000.
    /// </summary>
    public int ExpectedConnections { get; set; } = 10_000;
}
