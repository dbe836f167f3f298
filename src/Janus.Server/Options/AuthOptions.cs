namespace Janus.Server.Options;

/// <summary>
/// Who may subscribe to protected topics (docs/security.md#authorization): topics matching <see cref="Protected"/>
/// need a signed token (a JWT) presented once per connection in <c>hello</c> or <c>auth</c>. Off by default: with no
/// protected pattern every topic is public, as in the original protocol.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>
    /// Topic patterns that need a token, e.g. <c>private:*</c> or <c>user:{sub}:*</c>. A pattern is literal text with an
    /// optional trailing <c>*</c> (any rest, possibly empty) and at most one <c>{sub}</c> placeholder, which stands for
    /// one name segment (anything up to the pattern's next literal character) and is also a grant: the token whose
    /// subject fills it may subscribe without naming the topic in its claim. Defaults to none (every topic public).
    /// </summary>
    public string[] Protected { get; set; } = [];

    /// <summary>The token's required <c>iss</c>. Defaults to none (not checked).</summary>
    public string? Issuer { get; set; }

    /// <summary>The token's required <c>aud</c>. Defaults to none (not checked).</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The keys a token may be signed with: an HS256 secret (base64, at least 32 bytes) or an RS256 public key (a PEM
    /// file). At least one is needed when <see cref="Protected"/> is set. Defaults to none.
    /// </summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>
    /// How far the server's clock and the token issuer's may disagree: a token is accepted until <c>exp</c> plus this.
    /// Defaults to 30 s.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The claim holding the topic patterns the token allows (a JSON array of strings, or one string with patterns
    /// separated by spaces). Defaults to <c>topics</c>.
    /// </summary>
    public string TopicsClaim { get; set; } = "topics";

    /// <summary>The longest token accepted, in characters. Defaults to 8,192.</summary>
    public int MaxTokenLength { get; set; } = 8192;
}
