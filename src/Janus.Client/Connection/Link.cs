using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Janus.Client.Connection;

/// <summary>
/// One TCP connection of a <see cref="JanusClient"/>: its socket and pipes, its greeting, its queue of subscribes
/// waiting for answers, and how it ended. A client that reconnects goes through several; the client's subscriptions,
/// positions and streams live on the client and outlast each one.
/// </summary>
internal sealed class Link
{
    public Link(Socket socket, Stream stream, JanusClientOptions options)
    {
        Socket = socket;
        Stream = stream;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;

        // Zero-byte reads: an idle connection waits without holding a receive buffer (20,000 idle clients hold none).
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(
            bufferSize: options.ReceiveBufferSize,
            minimumReadSize: Math.Min(1024, options.ReceiveBufferSize),
            leaveOpen: true,
            useZeroByteReads: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public Socket Socket { get; }

    public Stream Stream { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    public AckQueue Answers { get; } = new();

    public TaskCompletionSource Greeting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The answer to this connection's <c>hello</c> or <c>resume</c>.</summary>
    public TaskCompletionSource<SessionAnswer> SessionAnswer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task ReceiveLoop { get; set; } = Task.CompletedTask;

    /// <summary>The answer to the last <c>auth</c> on this connection: the token's expiry (Unix seconds).</summary>
    public TaskCompletionSource<long>? AuthAnswer { get; set; }

    /// <summary>When the token this connection presented expires (Unix seconds); 0 when none was presented.</summary>
    public long TokenExpires { get; set; }

    public string Token { get; set; } = string.Empty;

    public DateTimeOffset GreetingTime { get; set; }

    public bool Greeted { get; set; }

    /// <summary>The connection has opted in to sessions (its hello or resume was answered).</summary>
    public bool OptedIn { get; set; }

    /// <summary>The client's side of the stream is closed (FIN sent); only touched under the client's write lock.</summary>
    public bool OutputClosed { get; set; }

    /// <summary>The server's close is what the client waits for (a one-off publish); it is not a failure.</summary>
    public volatile bool ExpectingClose;

    /// <summary>The error frame the server closed the connection with.</summary>
    public JanusProtocolException? ProtocolError { get; set; }

    /// <summary>Why the connection ended; null while it is open.</summary>
    public Exception? Ended { get; set; }

    /// <summary>Why the client stopped this connection itself (see <see cref="Abort"/>).</summary>
    public Exception? AbortReason { get; private set; }

    /// <summary>Stops the receive loop (it then releases the socket); <paramref name="reason"/> is what the loop reports, null for a close the application asked for.</summary>
    public void Abort(Exception? reason)
    {
        AbortReason ??= reason;
        try
        {
            Input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The receive loop already finished with the reader.
        }
    }
}
