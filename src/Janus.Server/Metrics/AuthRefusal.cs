namespace Janus.Server.Metrics;

/// <summary>Why authorization refused something (the <c>reason</c> tag of <c>janus.auth.refusals</c>).</summary>
public enum AuthRefusal
{
    /// <summary>A subscribe to a protected topic without a token that allows it, or a subscription a fresh token no longer allows.</summary>
    Unauthorized,

    /// <summary>A <c>hello</c> or <c>auth</c> token that did not validate.</summary>
    InvalidToken,

    /// <summary>A protected subscription ended, or refused, because the token expired.</summary>
    TokenExpired,

    /// <summary>A publish outside its scoped key's topics.</summary>
    PublishScope,
}
