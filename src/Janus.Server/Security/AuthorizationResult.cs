namespace Janus.Server.Security;

/// <summary>Whether a connection may subscribe to a topic.</summary>
public enum AuthorizationResult
{
    /// <summary>A public topic, or a protected one the token allows.</summary>
    Allowed,

    /// <summary>A protected topic, and no token or one that does not allow it.</summary>
    Unauthorized,

    /// <summary>A protected topic, and the connection's token has expired.</summary>
    TokenExpired,
}
