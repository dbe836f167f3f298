using System.Net;
using System.Net.Sockets;
using Janus.Protocol;

namespace Janus.Bot.Coordination;

/// <summary>A publisher's connection (test's and storm's alike): open, and greeted before the first publish.</summary>
internal static class PublisherConnection
{
    /// <summary>
    /// Connects and waits for the greeting (its 0x01): the server is then done accepting the connection and reads the
    /// first publish at once. The socket is disposed if that fails.
    /// </summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint server, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancellationToken);
            byte[] buffer = new byte[4096];
            int seen = 0;
            while (Array.IndexOf(buffer, WireBytes.ServerDelimiter, 0, seen) < 0)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(seen), cancellationToken);
                if (read == 0)
                {
                    throw new IOException($"{server} closed the publisher's connection before greeting it.");
                }

                seen = Math.Min(seen + read, buffer.Length - 1);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
