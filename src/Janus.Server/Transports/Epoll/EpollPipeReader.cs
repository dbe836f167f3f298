using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Janus.Native;
using Microsoft.AspNetCore.Connections;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// The input side of an <see cref="EpollConnection"/>: the loop thread receives straight into a pooled buffer and
/// completes the application's pending read inline, so the application handles the bytes on the loop thread.
/// </summary>
/// <remarks>
/// <para>A buffer is rented only while unread bytes exist and goes back to the pool as soon as everything is
/// consumed: an idle connection holds no input memory (Kestrel's socket transport keeps a pipe with its own
/// segments per connection).</para>
/// <para>The socket is edge-triggered, so each readiness report is received until a short read, or until the end of
/// the stream once the peer's hang-up was reported (a FIN that came with the last bytes has no report of its own,
/// and a short read does not see it). When the buffer reaches its bound, or is full while the application is still
/// looking at it, receiving pauses, and resumes on the loop thread once
/// <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> made room.</para>
/// </remarks>
internal sealed unsafe class EpollPipeReader : PipeReader, IValueTaskSource<ReadResult>
{
    private const int InitialBufferBytes = 4096;

    private readonly EpollConnection _connection;
    private readonly int _maxBufferedBytes;
    private PendingOperation<ReadResult> _read;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _examinedAll;
    private bool _reading;
    private bool _waiting;
    private bool _cancelNext;
    private bool _ended;
    private bool _paused;
    private bool _hungUp;
    private bool _completed;
    private Exception? _error;

    public EpollPipeReader(EpollConnection connection, int maxBufferedBytes)
    {
        _connection = connection;
        _maxBufferedBytes = maxBufferedBytes;
    }

    /// <summary>Whether the peer's end of the stream (or a failure) was seen (read under the connection's gate).</summary>
    public bool HasEnded => _ended;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_connection.Gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            if (TryTakeResultLocked(out ReadResult result))
            {
                return new ValueTask<ReadResult>(result);
            }

            _waiting = true;
            _read.Reset();
        }

        return _read.AsValueTask(this, static state => ((PipeReader)state!).CancelPendingRead(), cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_connection.Gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            return TryTakeResultLocked(out result);
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool resume;
        lock (_connection.Gate)
        {
            _reading = false;
            if (_buffer is not null && ReferenceEquals(consumed.GetObject(), _buffer))
            {
                _start = consumed.GetInteger();
                _examinedAll = !ReferenceEquals(examined.GetObject(), _buffer) || examined.GetInteger() >= _end;
            }

            if (_start == _end)
            {
                ReleaseBufferLocked();
            }

            resume = _paused && !_ended && !_completed;
            _paused &= !resume;
        }

        if (resume)
        {
            _connection.ResumeReceive();
        }
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        lock (_connection.Gate)
        {
            if (!_waiting)
            {
                _cancelNext = true;
                return;
            }

            _waiting = false;
            _reading = true;
            result = new ReadResult(BufferedLocked(), isCanceled: true, isCompleted: false);
        }

        _read.Complete(result);
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_connection.Gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _reading = false;
            ReleaseBufferLocked();
        }
    }

    /// <summary>
    /// The socket is readable (or hung up, or failed): receive until it is drained. On the loop thread.
    /// <paramref name="hungUp"/>: the report says the peer closed or the socket failed.
    /// </summary>
    public void OnReadable(bool hungUp)
    {
        bool drained = false;
        while (!drained)
        {
            bool wake = false;
            ReadResult result = default;
            Exception? failure = null;
            lock (_connection.Gate)
            {
                if (_completed || _ended || _connection.IsFdClosed)
                {
                    return;
                }

                // Kept, for the receive that resumes after a pause comes with no report.
                _hungUp |= hungUp;
                if (!EnsureRoomLocked())
                {
                    _paused = true;
                    return;
                }

                int room = _buffer!.Length - _end;
                nint received;
                fixed (byte* p = &_buffer[_end])
                {
                    received = Libc.Recv(_connection.Fd, p, (nuint)room, 0);
                }

                if (received > 0)
                {
                    _end += (int)received;

                    // New bytes: a read that examined everything before them must not wait for yet more.
                    _examinedAll = false;
                    drained = received < room && !_hungUp;
                }
                else if (received == 0)
                {
                    _ended = true;
                    drained = true;
                }
                else
                {
                    int errno = Libc.Errno;
                    if (errno == Libc.EIntr)
                    {
                        continue;
                    }

                    if (errno == Libc.EAgain)
                    {
                        return;
                    }

                    _ended = true;
                    drained = true;

                    // A reset is how most clients leave (a close with unread data, or SO_LINGER 0), and for the
                    // application it means the same as an orderly end: no exception (one per departing client
                    // adds up to seconds of CPU when thousands leave at once).
                    if (errno != Libc.EConnReset)
                    {
                        _error = new ConnectionResetException($"recv failed (errno {errno}).");
                    }
                }

                if (_waiting)
                {
                    _waiting = false;
                    wake = true;
                    if (_error is not null)
                    {
                        failure = _error;
                    }
                    else
                    {
                        _reading = true;
                        _examinedAll = false;
                        result = new ReadResult(BufferedLocked(), isCanceled: false, isCompleted: _ended);
                    }
                }
            }

            if (wake)
            {
                // Inline: the application's read loop runs here, on the loop thread, until its next read.
                _read.Complete(result, failure);
            }
        }
    }

    /// <summary>The socket is gone: a pending read sees the end of the stream, or <paramref name="error"/>.</summary>
    public void OnTransportClosed(Exception? error)
    {
        bool wake = false;
        ReadResult result = default;
        lock (_connection.Gate)
        {
            if (!_ended)
            {
                _ended = true;
                _error ??= error;
            }

            if (_waiting)
            {
                _waiting = false;
                wake = true;
                _reading = _error is null;
                result = new ReadResult(BufferedLocked(), isCanceled: false, isCompleted: true);
            }
        }

        if (wake)
        {
            _read.Complete(result, _error);
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

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);

    private bool TryTakeResultLocked(out ReadResult result)
    {
        if (_cancelNext)
        {
            _cancelNext = false;
            _reading = true;
            result = new ReadResult(BufferedLocked(), isCanceled: true, isCompleted: false);
            return true;
        }

        if (_error is not null)
        {
            throw _error;
        }

        if ((_end > _start && !_examinedAll) || _ended)
        {
            _reading = true;
            _examinedAll = false;
            result = new ReadResult(BufferedLocked(), isCanceled: false, isCompleted: _ended);
            return true;
        }

        result = default;
        return false;
    }

    private ReadOnlySequence<byte> BufferedLocked() =>
        _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    /// <summary>Makes room after <see cref="_end"/>; false when receiving must pause.</summary>
    private bool EnsureRoomLocked()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
            _start = 0;
            _end = 0;
            return true;
        }

        if (_end < _buffer.Length)
        {
            return true;
        }

        if (_reading)
        {
            // The application holds a sequence over these bytes: they must not move until it advances.
            return false;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            return true;
        }

        if (_buffer.Length >= _maxBufferedBytes)
        {
            return false;
        }

        byte[] grown = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxBufferedBytes));
        Buffer.BlockCopy(_buffer, 0, grown, 0, _end);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
        return true;
    }

    private void ReleaseBufferLocked()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _start = 0;
        _end = 0;
        _examinedAll = false;
    }
}
