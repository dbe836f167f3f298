namespace Janus.Server.Options;

/// <summary>Sessions of clients that opted in with <c>hello</c> (docs/sessions.md).</summary>
public sealed class SessionsOptions
{
    /// <summary>
    /// How long an opted-in session waits for a resume after its connection dropped, subscribed and queueing (up to
    /// <see cref="LimitsOptions.MaxQueueBytes"/>). Zero ends sessions with their connections, as for legacy clients.
    /// Defaults to 60 s.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(60);
}
