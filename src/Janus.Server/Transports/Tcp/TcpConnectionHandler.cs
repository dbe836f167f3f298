using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Limits;
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
        IPAddress? address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        ProtocolError refused = _services.Limiter.TryAdmit(address, out AddressConnections? slot);
        return refused == ProtocolError.None
            ? TcpConnection.RunAsync(_services, connection, slot)
            : RefuseAsync(connection, refused);
    }

    /// <summary>
    /// Says why in the protocol's error frame and hangs up, before any session or greeting exists: a refusal costs the
    /// transport's connection and nothing of Janus's (the frame is encoded once for the process).
    /// </summary>
    private static async Task RefuseAsync(ConnectionContext connection, ProtocolError reason)
    {
        try
        {
            WriteErrorFrame(connection.Transport.Output, reason);
            await connection.Transport.Output.FlushAsync();
            await connection.Transport.Output.CompleteAsync();

            // Take what the client already sent (typically its subscribe), so that closing with unread input does
            // not make the kernel answer with a reset that would drop the error frame on its way out.
            if (connection.Transport.Input.TryRead(out ReadResult result))
            {
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
            }
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or IOException or InvalidOperationException)
        {
            // The client is gone already; there is no one to tell.
        }
    }

    private static void WriteErrorFrame(PipeWriter output, ProtocolError reason) =>
        output.Write(ErrorFrames.Get(reason, TransportFraming.Tcp).GetFrame(TransportFraming.Tcp));
}
