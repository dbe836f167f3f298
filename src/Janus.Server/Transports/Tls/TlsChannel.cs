using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Janus.Server.Transports.Tls;

/// <summary>
/// A TLS connection of the TCP protocol port, below and above Kestrel's TLS middleware: the raw transport (kept
/// here, since the middleware replaces <see cref="ConnectionContext.Transport"/>), the <see cref="SslStream"/>, and the
/// writer the connection's drain writes to.
/// </summary>
/// <remarks>
/// <para>Why the drain does not write to the TLS middleware's own output pipe: completing that pipe neither sends
/// TLS's <c>close_notify</c> nor ends the raw transport, so a graceful close (error frame, then end of stream) would
/// hang until the close deadline aborted it. Here the close is: the last bytes, <c>close_notify</c>, then the raw
/// transport's output completes, which (as on a plain connection) sends FIN and ends the connection.</para>
/// <para>Reading stays on the middleware's input pipe.</para>
/// </remarks>
internal sealed class TlsChannel
{
    // TLS's largest record: a full buffer is one record and one send.
    private const int WriteBufferBytes = 16 * 1024;

    private readonly IDuplexPipe _raw;
    private SslStream? _stream;

    private TlsChannel(IDuplexPipe raw)
    {
        _raw = raw;
        Transport = new DuplexPipe(raw.Input, new SendAllPipeWriter(raw.Output));
    }

    /// <summary>The raw transport as the TLS middleware gets it (a flush sends everything; see <see cref="SendAllPipeWriter"/>).</summary>
    public IDuplexPipe Transport { get; }

    /// <summary>
    /// A connection middleware that goes before Kestrel's <c>UseHttps</c> on the TCP protocol's TLS port: it records
    /// the raw transport for the connection's close.
    /// </summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async context =>
    {
        var channel = new TlsChannel(context.Transport);
        context.Features.Set(channel);
        context.Transport = channel.Transport;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Transport = channel._raw;
        }
    };

    /// <summary>
    /// The writer for the connection's messages, once the handshake is done: TLS records written straight to the
    /// <see cref="SslStream"/>.
    /// </summary>
    public PipeWriter OpenOutput(ConnectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _stream = context.Features.Get<ISslStreamFeature>()?.SslStream
            ?? throw new InvalidOperationException("A TLS channel without Kestrel's TLS middleware after it.");
        return PipeWriter.Create(_stream, new StreamPipeWriterOptions(MemoryPool<byte>.Shared, WriteBufferBytes, leaveOpen: true));
    }

    /// <summary>
    /// Ends the output: what <paramref name="output"/> holds, TLS's <c>close_notify</c>, then the end of the raw
    /// transport. Runs in the background (the drain that calls it must not wait on a socket); a failure means the
    /// peer is gone, and the raw transport is ended anyway.
    /// </summary>
    public async Task CloseAsync(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            await output.CompleteAsync().ConfigureAwait(false);
            if (_stream is not null)
            {
                await _stream.ShutdownAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException or NotSupportedException)
        {
            // The peer is gone or the connection was aborted; ending the raw transport below is all that is left.
        }
        finally
        {
            await _raw.Output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
