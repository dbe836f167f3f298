namespace Janus.Client.Connection;

/// <summary>
/// The subscribes on the wire that still wait for their <c>ACK</c>. The server answers each subscribe frame with one
/// <c>ACK</c>, in order, so the oldest entry owns the next <c>ACK</c>. An entry whose caller stopped waiting
/// (cancelled) stays in the queue until its <c>ACK</c> arrives, or every later subscribe would take the wrong one.
/// </summary>
internal sealed class AckQueue
{
    private readonly Queue<TaskCompletionSource> _pending = new();
    private readonly Lock _lock = new();
    private Exception? _failure;

    /// <summary>Subscribes waiting for their ACK.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Adds a subscribe about to be written; false once the queue has failed (the connection is gone).</summary>
    public bool TryEnqueue(TaskCompletionSource ack)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                return false;
            }

            _pending.Enqueue(ack);
            return true;
        }
    }

    /// <summary>An <c>ACK</c> arrived: completes the oldest subscribe. False if none was waiting.</summary>
    public bool CompleteNext()
    {
        TaskCompletionSource? ack;
        lock (_lock)
        {
            if (!_pending.TryDequeue(out ack))
            {
                return false;
            }
        }

        ack.TrySetResult();
        return true;
    }

    /// <summary>The connection is gone: fails every waiting subscribe and refuses new ones.</summary>
    public void Fail(Exception error)
    {
        TaskCompletionSource[] pending;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = error;
            pending = _pending.ToArray();
            _pending.Clear();
        }

        foreach (TaskCompletionSource ack in pending)
        {
            ack.TrySetException(error);

            // A caller that cancelled its wait never looks at this task again; do not report it as unobserved.
            _ = ack.Task.Exception;
        }
    }
}
