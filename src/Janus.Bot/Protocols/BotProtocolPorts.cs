namespace Janus.Bot.Protocols;

/// <summary>The ports a test uses when none is given.</summary>
internal static class BotProtocolPorts
{
    /// <summary>Janus's TCP protocol port, where every Janus publish goes (the WebSocket protocol's too).</summary>
    public const int JanusTcp = 8081;

    /// <summary>The port the clients connect to: Redis's, NATS's, Janus's HTTP port for WebSocket, else Janus's TCP port.</summary>
    public static int Default(BotProtocol protocol) => protocol switch
    {
        BotProtocol.Redis => 6379,
        BotProtocol.Nats => 4222,
        BotProtocol.WebSocket => 8080,
        _ => JanusTcp,
    };
}
