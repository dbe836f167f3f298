using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Janus.Client.Connection;

/// <summary>
/// Opens the connection: optional source address, Nagle off, and TLS when asked (an <see cref="SslStream"/> over the
/// <see cref="NetworkStream"/>). The one place a stream is made; the rest of the client reads and writes a stream.
/// </summary>
internal static class SocketConnector
{
    /// <summary>
    /// Connects to <paramref name="endPoint"/> (an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>), completes
    /// the TLS handshake when <paramref name="tls"/> is given, and returns the socket and the stream to speak over.
    /// </summary>
    public static async Task<(Socket Socket, Stream Stream)> ConnectAsync(EndPoint endPoint, IPAddress? localAddress, SslClientAuthenticationOptions? tls, CancellationToken cancellationToken)
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
            var network = new NetworkStream(socket, ownsSocket: false);
            if (tls is null)
            {
                return (socket, network);
            }

            var secure = new SslStream(network, leaveInnerStreamOpen: false);
            try
            {
                await secure.AuthenticateAsClientAsync(tls, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await secure.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return (socket, secure);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
