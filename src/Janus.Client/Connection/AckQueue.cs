namespace Janus.Client.Connection;

/// <summary>
/// The subscribes on the wire that still wait for their answer (<c>ACK</c>, or <c>subscribed</c> on an opted-in
/// connection). The server answers each subscribe frame once, in order, so the oldest entry owns the next answer. An
/// entry whose caller stopped waiting (cancelled) stays in the queue until its answer arrives, or every later
/// subscribe would take the wrong one. One queue per connection: a new connection starts with an empty one.
/// </summary>
internal sealed class AckQueue
{
    private readonly Queue<TaskCompletionSource<SubscribeAnswer>> _pending = new();
    private readonly Lock _lock = new();
    private Exception? _failure;

    /// <summary>Subscribes waiting for their answer.</summary>
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
    public bool TryEnqueue(TaskCompletionSource<SubscribeAnswer> answer)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                return false;
            }

            _pending.Enqueue(answer);
            return true;
        }
    }

    /// <summary>An answer arrived: completes the oldest subscribe. False if none was waiting.</summary>
    public bool CompleteNext(SubscribeAnswer answer)
    {
        TaskCompletionSource<SubscribeAnswer>? pending;
        lock (_lock)
        {
            if (!_pending.TryDequeue(out pending))
            {
                return false;
            }
        }

        pending.TrySetResult(answer);
        return true;
    }

    /// <summary>
    /// A topic error arrived: it answers the oldest subscribe if that one is for <paramref name="topic"/> (the server
    /// answers a refused subscribe with it instead of <c>ACK</c>); otherwise it ended a live subscription. Each
    /// subscribe's answer source carries its topic as its state.
    /// </summary>
    public bool TryCompleteNextFor(string topic, SubscribeAnswer answer)
    {
        TaskCompletionSource<SubscribeAnswer>? pending;
        lock (_lock)
        {
            if (!_pending.TryPeek(out pending) || !string.Equals(pending.Task.AsyncState as string, topic, StringComparison.Ordinal))
            {
                return false;
            }

            _pending.Dequeue();
        }

        pending.TrySetResult(answer);
        return true;
    }

    /// <summary>The connection is gone: fails every waiting subscribe and refuses new ones.</summary>
    public void Fail(Exception error)
    {
        TaskCompletionSource<SubscribeAnswer>[] pending;
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

        foreach (TaskCompletionSource<SubscribeAnswer> answer in pending)
        {
            answer.TrySetException(error);

            // A caller that cancelled its wait never looks at this task again; do not report it as unobserved.
            _ = answer.Task.Exception;
        }
    }
}
