using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Janus.Native;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// The output side of an <see cref="EpollConnection"/>: what the application writes gathers in one pooled buffer and
/// <see cref="FlushAsync"/> sends it with a non-blocking <c>send</c> on the flushing thread. Only a socket that is
/// full makes the flush wait, until the loop thread reports room; the bytes not yet sent then stay in the buffer
/// (<see cref="PipeWriter.UnflushedBytes"/>) for the next flush.
/// </summary>
/// <remarks>
/// <para>The buffer goes back to the pool whenever everything written has been sent, so an idle connection holds no
/// output memory.</para>
/// <para>Contract (kept by <see cref="ClientConnection"/>): one writer at a time, and nothing is written while a flush
/// is pending. That is what lets the loop thread send from the buffer, and release it, without the writer's lock on
/// every <see cref="GetSpan"/>.</para>
/// </remarks>
internal sealed unsafe class EpollPipeWriter : PipeWriter, IValueTaskSource<FlushResult>
{
    private const int MinimumBufferBytes = 4096;

    private readonly EpollConnection _connection;
    private PendingOperation<FlushResult> _flush;
    private byte[]? _buffer;
    private int _sent;
    private int _written;
    private volatile bool _flushWaiting;
    private bool _finishing;
    private bool _completed;
    private bool _gone;
    private bool _cancelNext;

    public EpollPipeWriter(EpollConnection connection)
    {
        _connection = connection;
    }

    public override bool CanGetUnflushedBytes => true;

    /// <summary>Bytes written and not yet sent, including the rest of a flush that found the socket full.</summary>
    public override long UnflushedBytes => _written - _sent;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)(_buffer?.Length ?? 0) - (uint)_written)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the end of the buffer.");
        }

        _written += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (_connection.Gate)
        {
            if (_cancelNext)
            {
                _cancelNext = false;
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }

            SendLocked();
            if (_gone)
            {
                ReleaseBufferLocked();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }

            if (_sent == _written)
            {
                ReleaseBufferLocked();
                return default;
            }

            _flushWaiting = true;
            _flush.Reset();
        }

        return _flush.AsValueTask(this, static state => ((PipeWriter)state!).CancelPendingFlush(), cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        lock (_connection.Gate)
        {
            if (!_flushWaiting)
            {
                _cancelNext = true;
                return;
            }

            _flushWaiting = false;
        }

        _flush.Complete(new FlushResult(isCanceled: true, isCompleted: false));
    }

    /// <summary>Ends the output: what is written is still sent, then the connection ends.</summary>
    public override void Complete(Exception? exception = null)
    {
        lock (_connection.Gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            SendLocked();
            if (!_gone && _sent < _written)
            {
                // The rest leaves when the socket has room (OnWritable), then the connection ends.
                _finishing = true;
                return;
            }

            ReleaseBufferLocked();
        }

        _connection.OnOutputEnded();
    }

    /// <summary>
    /// The socket has room again (on the loop thread). A waiting flush is released without sending: the unsent rest
    /// stays in the buffer and leaves with the writer's next flush, together with everything the application queued
    /// while the socket was full, in one <c>send</c> (sending the rest here and the new bytes after it halved the
    /// size of every write to a backlogged client, and doubled the client's receives). After
    /// <see cref="Complete"/> there is no next flush, so the rest is sent from here.
    /// </summary>
    public void OnWritable()
    {
        bool ended = false;
        lock (_connection.Gate)
        {
            if (_flushWaiting)
            {
                _flushWaiting = false;
            }
            else if (_finishing)
            {
                SendLocked();
                if (!_gone && _sent < _written)
                {
                    return;
                }

                ReleaseBufferLocked();
                _finishing = false;
                ended = true;
            }
            else
            {
                return;
            }
        }

        if (ended)
        {
            _connection.OnOutputEnded();
            return;
        }

        _flush.Complete(new FlushResult(isCanceled: false, isCompleted: false));
    }

    /// <summary>The socket is gone: a waiting flush learns that the output is over.</summary>
    public void OnTransportClosed()
    {
        bool wakeFlush;
        lock (_connection.Gate)
        {
            _gone = true;
            _finishing = false;
            wakeFlush = _flushWaiting;
            _flushWaiting = false;
        }

        if (wakeFlush)
        {
            _flush.Complete(new FlushResult(isCanceled: false, isCompleted: true));
        }
    }

    /// <summary>Returns the buffer to the pool (the connection is being disposed).</summary>
    public void ReleaseBuffer()
    {
        lock (_connection.Gate)
        {
            ReleaseBufferLocked();
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);

    private void EnsureRoom(int sizeHint)
    {
        if (_flushWaiting)
        {
            throw new InvalidOperationException("Writing while a flush is pending is not supported by the epoll transport.");
        }

        int needed = Math.Max(sizeHint, 1);
        if (_buffer is not null && _buffer.Length - _written >= needed)
        {
            return;
        }

        lock (_connection.Gate)
        {
            if (_buffer is null)
            {
                _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, MinimumBufferBytes));
                _sent = 0;
                _written = 0;
                return;
            }

            int pending = _written - _sent;
            byte[] target = _buffer;
            if (_buffer.Length - pending < needed)
            {
                target = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, pending + needed));
            }

            Buffer.BlockCopy(_buffer, _sent, target, 0, pending);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _sent = 0;
            _written = pending;
        }
    }

    /// <summary>Sends what is written and unsent until done, the socket is full, or the peer is gone.</summary>
    private void SendLocked()
    {
        if (_connection.IsFdClosed)
        {
            _gone = true;
            return;
        }

        while (_sent < _written)
        {
            nint sent;
            fixed (byte* p = &_buffer![_sent])
            {
                sent = Libc.Send(_connection.Fd, p, (nuint)(_written - _sent), Libc.MsgNoSignal | Libc.MsgDontWait);
            }

            if (sent > 0)
            {
                _sent += (int)sent;
                continue;
            }

            int errno = Libc.Errno;
            if (errno == Libc.EIntr)
            {
                continue;
            }

            if (errno != Libc.EAgain)
            {
                _gone = true;
            }

            return;
        }
    }

    private void ReleaseBufferLocked()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _sent = 0;
        _written = 0;
    }
}
