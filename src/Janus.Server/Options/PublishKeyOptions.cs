namespace Janus.Server.Options;

/// <summary>
/// An API key that may publish only to some topics (<c>Janus:Security:PublishKeys:N</c>). Accepted wherever a key of
/// <see cref="SecurityOptions.ApiKeys"/> is (HTTP publish, WebSocket), limited to <see cref="Topics"/>.
/// </summary>
public sealed class PublishKeyOptions
{
    /// <summary>The key (at least 16 characters). A secret: never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// The topics the key may publish to: literal names, or patterns with a trailing <c>*</c> (<c>news:*</c>). At least
    /// one. Defaults to none.
    /// </summary>
    public string[] Topics { get; set; } = [];
}
