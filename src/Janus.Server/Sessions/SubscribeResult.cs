namespace Janus.Server.Sessions;

/// <summary>What a subscribe did.</summary>
public enum SubscribeResult
{
    /// <summary>A new subscription.</summary>
    Added,

    /// <summary>Already subscribed: acknowledged again, delivered once.</summary>
    AlreadySubscribed,

    /// <summary>The session is at its subscription limit.</summary>
    LimitReached,

    /// <summary>The topic does not exist and the server holds as many topics as it allows.</summary>
    TopicLimitReached,

    /// <summary>The session has ended.</summary>
    Closed,

    /// <summary>A protected topic the session's token does not allow (or there is no token).</summary>
    Unauthorized,

    /// <summary>A protected topic, and the session's token has expired.</summary>
    TokenExpired,
}
