using System.Buffers;
using System.IO.Pipelines;
using Janus.Server.Transports.Tls;

namespace Janus.Server.Tests.Tls;

public sealed class SendAllPipeWriterTests
{
    [Fact]
    public async Task A_flush_returns_only_once_a_writer_that_keeps_a_rest_has_sent_everything()
    {
        // As the epoll transport's writer does when the socket was full: each flush sends part and keeps the rest.
        var inner = new PartialWriter(bytesPerFlush: 1000);
        var writer = new SendAllPipeWriter(inner);
        writer.Write(new byte[4500].AsSpan());

        FlushResult result = await writer.FlushAsync();

        Assert.False(result.IsCompleted);
        Assert.Equal(0, inner.UnflushedBytes);
        Assert.Equal(4500, inner.Sent);
        Assert.Equal(5, inner.Flushes);
    }

    [Fact]
    public async Task A_flush_stops_when_the_transport_is_gone()
    {
        var inner = new PartialWriter(bytesPerFlush: 1000) { GoneAfterFlushes = 2 };
        var writer = new SendAllPipeWriter(inner);
        writer.Write(new byte[4500].AsSpan());

        FlushResult result = await writer.FlushAsync();

        Assert.True(result.IsCompleted);
        Assert.Equal(2, inner.Flushes);
    }

    private sealed class PartialWriter(int bytesPerFlush) : PipeWriter
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _written;

        public int Sent { get; private set; }

        public int Flushes { get; private set; }

        public int GoneAfterFlushes { get; init; } = int.MaxValue;

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _written - Sent;

        public override void Advance(int bytes) => _written += bytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(_written);

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(_written);

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            // Asynchronous, as a flush that waited for room is.
            await Task.Yield();
            Flushes++;
            Sent += Math.Min(bytesPerFlush, _written - Sent);
            return new FlushResult(isCanceled: false, isCompleted: Flushes >= GoneAfterFlushes);
        }
    }
}
