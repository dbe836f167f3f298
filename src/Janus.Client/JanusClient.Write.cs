using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Janus.Client.Connection;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Client;

// The write side: one frame at a time, whole, on the current connection; heartbeats.
public sealed partial class JanusClient
{
    private enum WriteKind
    {
        /// <summary>An application command: prefixed when every write must be, and proof of life.</summary>
        Command,

        /// <summary>The prefix itself, sent once after connecting.</summary>
        ConnectPrefix,

        /// <summary>A heartbeat PING: prefixed when every write must be, but not activity (the next tick must ping again).</summary>
        Heartbeat,

        /// <summary>A PONG written by the receive loop itself: a failure must not wait for that loop to end.</summary>
        Pong,
    }

    /// <summary>The current connection; connects first if the client never has, waits while it reconnects.</summary>
    private async ValueTask<Link> GetReadyLinkAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        Task<Link> ready = Volatile.Read(ref _ready).Task;
        if (ready.IsCompletedSuccessfully)
        {
            return ready.Result;
        }

        if (Volatile.Read(ref _connecting) is null)
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw CreateClosedException();
        }
    }

    /// <summary>Writes one frame on the current connection (see <see cref="WriteToLinkAsync"/>).</summary>
    private async ValueTask WriteFrameAsync<TFrame>(TFrame frame, TaskCompletionSource<SubscribeAnswer>? answer, WriteKind kind, CancellationToken cancellationToken)
        where TFrame : struct, IClientFrame
    {
        Link link = await GetReadyLinkAsync(cancellationToken).ConfigureAwait(false);
        await WriteToLinkAsync(link, frame, answer, kind, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes one frame whole on <paramref name="link"/>: waits for the write turn (the only place
    /// <paramref name="cancellationToken"/> applies), builds the frame, copies it into the pipe, registers the
    /// subscribe's answer in write order, flushes.
    /// </summary>
    private async ValueTask WriteToLinkAsync<TFrame>(Link link, TFrame frame, TaskCompletionSource<SubscribeAnswer>? answer, WriteKind kind, CancellationToken cancellationToken)
        where TFrame : struct, IClientFrame
    {
        ThrowIfClosed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Exception? failure = null;
        try
        {
            ThrowIfClosed();
            if (link.Ended is { } ended)
            {
                throw ended is JanusConnectionClosedException closed ? closed.Recreate() : new JanusConnectionClosedException("The connection to the Janus server was lost.", ended);
            }

            ObjectDisposedException.ThrowIf(link.OutputClosed, this);

            // Built before anything reaches the pipe: if serializing throws, nothing was written.
            ReadOnlySpan<byte> bytes = _commands.Build(frame);
            try
            {
                if (_prefixEveryWrite && kind != WriteKind.ConnectPrefix)
                {
                    link.Output.Write(WireBytes.RegularSocket);
                    link.Output.Write([WireBytes.ClientDelimiter]);
                }

                link.Output.Write(bytes);
                if (answer is not null && !link.Answers.TryEnqueue(answer))
                {
                    throw new JanusConnectionClosedException("The connection to the Janus server was lost.");
                }

                if (kind is WriteKind.Command or WriteKind.Pong)
                {
                    _wroteSinceHeartbeat = true;
                }

                // No token here: a frame once started is written whole, or the stream would be corrupt.
                FlushResult result = await link.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    failure = new IOException("The connection's output was closed.");
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                failure = ex;
            }
        }
        finally
        {
            _writeLock.Release();
        }

        if (failure is not null)
        {
            throw kind == WriteKind.Pong
                ? new JanusConnectionClosedException("The connection to the Janus server was lost.", failure)
                : await WriteFailedAsync(link, failure).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A write failed. The server may have closed the connection with an error frame that the receive loop has not
    /// read yet: give it the chance, so the caller sees the server's reason rather than a broken pipe.
    /// </summary>
    private async Task<Exception> WriteFailedAsync(Link link, Exception failure)
    {
        var lost = new JanusConnectionClosedException("The connection to the Janus server was lost.", failure);
        try
        {
            await link.ReceiveLoop.WaitAsync(_closeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop did not end by itself: stop it; it reports the loss and the client reconnects or ends.
            link.Abort(lost);
        }

        if (Volatile.Read(ref _closedError) is not null)
        {
            return CreateClosedException();
        }

        return link.Ended is JanusConnectionClosedException closed ? closed.Recreate() : lost;
    }

    /// <summary>Ends the client's side of the stream (FIN) after what was written.</summary>
    private async Task<bool> CloseOutputAsync(Link link)
    {
        if (!await _writeLock.WaitAsync(_closeTimeout).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            if (link.OutputClosed)
            {
                return true;
            }

            link.OutputClosed = true;
            await link.Output.CompleteAsync().ConfigureAwait(false);
            if (link.Stream is System.Net.Security.SslStream tls)
            {
                // TLS's own end of stream (close_notify) before TCP's.
                await tls.ShutdownAsync().ConfigureAwait(false);
            }

            link.Socket.Shutdown(SocketShutdown.Send);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void StartHeartbeat(TimeSpan? interval)
    {
        if (interval is not { } period)
        {
            return;
        }

        ITimer timer = _time.CreateTimer(static state => ((JanusClient)state!).OnHeartbeatTick(), this, period, period);
        lock (_stateLock)
        {
            if (_closedError is null && _heartbeat is null)
            {
                _heartbeat = timer;
                return;
            }
        }

        timer.Dispose();
    }

    private void OnHeartbeatTick()
    {
        // Any frame since the last tick already told the server this client is alive; a write under way will too.
        if (_wroteSinceHeartbeat)
        {
            _wroteSinceHeartbeat = false;
            return;
        }

        if (_writeLock.CurrentCount == 0 || Volatile.Read(ref _link) is not { } link)
        {
            return;
        }

        _ = SendHeartbeatAsync(link);
    }

    private async Task SendHeartbeatAsync(Link link)
    {
        try
        {
            await WriteToLinkAsync(link, new KeywordFrame(KeywordFrame.Keyword.Ping), answer: null, WriteKind.Heartbeat, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JanusConnectionClosedException or ObjectDisposedException)
        {
            // The end of the connection is reported through the streams, the events and the next call.
        }
    }
}
