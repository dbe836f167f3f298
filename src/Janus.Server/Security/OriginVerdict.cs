namespace Janus.Server.Security;

/// <summary>What a request's <c>Origin</c> allows (<see cref="OriginPolicy"/>).</summary>
public enum OriginVerdict
{
    /// <summary>No <c>Origin</c>: not a browser; nothing changes.</summary>
    None,

    /// <summary>A page Janus vouches for: it may connect, and publish on a trusted client address's trust.</summary>
    Allowed,

    /// <summary>Another site's page: it may connect and subscribe, and publish only with a key.</summary>
    Foreign,

    /// <summary>An origin outside the configured list: refused with 403 <c>origin_not_allowed</c>.</summary>
    Refused,
}
