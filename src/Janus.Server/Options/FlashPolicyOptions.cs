namespace Janus.Server.Options;

/// <summary>The answer to Flash's <c>&lt;policy-file-request/&gt;</c>.</summary>
public sealed class FlashPolicyOptions
{
    /// <summary>The policy a Flash/AIR client gets when it asks. Defaults to allowing every domain on every port.</summary>
    public const string DefaultPolicy =
        "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM \"/xml/dtds/cross-domain-policy.dtd\"><cross-domain-policy><site-control permitted-cross-domain-policies=\"master-only\"/><allow-access-from domain=\"*\" to-ports=\"*\"/></cross-domain-policy>";

    /// <summary>Whether to answer at all (otherwise the request is an unknown frame). Defaults to true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The policy document sent back, followed by a NUL byte. Defaults to <see cref="DefaultPolicy"/>.</summary>
    public string Policy { get; set; } = DefaultPolicy;

    /// <summary>
    /// A port that only answers policy requests, with no greeting (Flash asks port 843 first). On the protocol port
    /// the greeting is sent on accept, before the client speaks, so a strict Flash player that reads the greeting as
    /// part of the policy may refuse it there; this port gives it a clean answer. Listens on
    /// <see cref="TcpOptions.Address"/>. Defaults to none (0).
    /// </summary>
    public int Port { get; set; }
}
