using System.Net;
using System.Net.Sockets;

namespace Janus.Client.Connection;

/// <summary>Opens the TCP connection: optional source address, Nagle off.</summary>
internal static class SocketConnector
{
    /// <summary>Connects to <paramref name="endPoint"/> (an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>).</summary>
    public static async Task<Socket> ConnectAsync(EndPoint endPoint, IPAddress? localAddress, CancellationToken cancellationToken)
    {
        // A host name needs a dual-mode socket unless a source address fixes the family; connecting then tries only
        // the addresses of that family.
        Socket socket = localAddress is not null ? new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : endPoint is IPEndPoint ip ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Frames are small and latency is the point: never hold one back to coalesce it with the next.
            socket.NoDelay = true;
            if (localAddress is not null)
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
            }

            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
