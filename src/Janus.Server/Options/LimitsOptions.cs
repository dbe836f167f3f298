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
