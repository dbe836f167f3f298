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

    /// <summary>
    /// Reads what the server sends a kept publisher connection until it closes or <paramref name="stop"/>: heartbeats,
    /// answered under <paramref name="sendLock"/> (the publisher writes under it too); nothing else is expected.
    /// </summary>
    public static async Task AnswerHeartbeatsAsync(Socket socket, Lock sendLock, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(socket);
        byte[] buffer = new byte[4096];
        byte[] pong = "PONG\0"u8.ToArray();
        int length = 0;
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                if (read == 0)
                {
                    return;
                }

                length += read;
                int end;
                while ((end = Array.IndexOf(buffer, WireBytes.ServerDelimiter, 0, length)) >= 0)
                {
                    if (buffer.AsSpan(0, end).SequenceEqual(WireBytes.Ping))
                    {
                        lock (sendLock)
                        {
                            socket.Send(pong);
                        }
                    }

                    buffer.AsSpan(end + 1, length - end - 1).CopyTo(buffer);
                    length -= end + 1;
                }

                if (length == buffer.Length)
                {
                    length = 0;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped or closed.
        }
    }
}
