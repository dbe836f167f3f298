using System.Net;
using System.Net.Sockets;

namespace Janus.Client.Connection;

/// <summary>
/// Opens the connection: optional source address, Nagle off. The one place a stream is made, so that TLS can wrap it
/// here (an <see cref="System.Net.Security.SslStream"/> over the <see cref="NetworkStream"/>) without touching the rest.
/// </summary>
internal static class SocketConnector
{
    /// <summary>Connects to <paramref name="endPoint"/> (an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>) and returns the socket and the stream to speak over.</summary>
    public static async Task<(Socket Socket, Stream Stream)> ConnectAsync(EndPoint endPoint, IPAddress? localAddress, CancellationToken cancellationToken)
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
            return (socket, new NetworkStream(socket, ownsSocket: false));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
