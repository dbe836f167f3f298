using System.IO.Pipelines;

namespace Janus.Server.Transports.Tls;

/// <summary>
/// A transport's output as TLS needs it: a flush completes only once everything written has been sent.
/// </summary>
/// <remarks>
/// The epoll transport's writer, when the socket was full, completes the flush as soon as the socket has room again
/// and keeps the unsent rest for the next flush, which Janus's drain always makes (it sends the rest together with
/// what was queued meanwhile; see <c>EpollPipeWriter.OnWritable</c>). TLS writes a record and then waits for the
/// peer: nothing would ever flush the rest of the last record. This wrapper flushes again while bytes are held.
/// Only TLS connections have it; the plain port's drain writes to the transport directly.
/// </remarks>
internal sealed class SendAllPipeWriter : PipeWriter
{
    private readonly PipeWriter _inner;

    public SendAllPipeWriter(PipeWriter inner) => _inner = inner;

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _inner.UnflushedBytes;

    public override void Advance(int bytes) => _inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    // Only on TLS connections; an async method that completes synchronously allocates nothing.
    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            FlushResult result = await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (IsDone(result))
            {
                return result;
            }
        }
    }

    private bool IsDone(FlushResult result) =>
        result.IsCompleted || result.IsCanceled || !_inner.CanGetUnflushedBytes || _inner.UnflushedBytes == 0;
}
