using Microsoft.AspNetCore.Connections;

namespace Janus.Server.Transports.Tcp;

/// <summary>Kestrel's entry point for the Janus TCP listener: one call per accepted connection.</summary>
public sealed class TcpConnectionHandler : ConnectionHandler
{
    private readonly ConnectionServices _services;

    /// <summary>Creates the handler over the shared connection services.</summary>
    public TcpConnectionHandler(ConnectionServices services) => _services = services;

    /// <inheritdoc />
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return TcpConnection.RunAsync(_services, connection);
    }
}
