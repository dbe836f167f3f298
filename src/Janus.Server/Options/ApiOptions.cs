namespace Janus.Server.Options;

/// <summary>The HTTP API (<c>POST /api/publish</c> and the read-only endpoints).</summary>
public sealed class ApiOptions
{
    /// <summary>
    /// The largest request body <c>POST /api/publish</c> reads; a larger one is refused with 413. Each message in it
    /// is also held to <see cref="LimitsOptions.MaxFrameBytes"/>, like a TCP or WebSocket publish. Defaults to 1 MiB.
    /// </summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The most messages (topic deliveries counted once per topic) one request may publish. Defaults to 1,000.</summary>
    public int MaxMessagesPerRequest { get; set; } = 1000;
}
