namespace Janus.Server.Options;

/// <summary>Who may read the read-only HTTP endpoints (<see cref="SecurityOptions.ReadAccess"/>).</summary>
public enum ReadAccess
{
    /// <summary>Anyone who can reach the HTTP port.</summary>
    Open,

    /// <summary>Callers in <see cref="SecurityOptions.TrustedNetworks"/>; anyone else with a key.</summary>
    TrustedOrKey,

    /// <summary>Only callers with a key, wherever they are.</summary>
    KeyOnly,
}
