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
}
