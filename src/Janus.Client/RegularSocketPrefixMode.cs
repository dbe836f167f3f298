namespace Janus.Client;

/// <summary>When the client sends the Flash-era <c>&lt;regular-socket/&gt;</c> + NUL prefix.</summary>
public enum RegularSocketPrefixMode
{
    /// <summary>Never. Janus for .NET accepts frames without it.</summary>
    None,

    /// <summary>Once, as the first write after connecting, as the original clients opened. The default.</summary>
    OnConnect,

    /// <summary>
    /// In front of every write. The 2009 Erlang server needed each read chunk to start with the prefix; use this
    /// to talk to it. Costs 18 bytes per write.
    /// </summary>
    EveryWrite,
}
