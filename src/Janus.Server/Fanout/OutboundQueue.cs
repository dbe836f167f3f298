namespace Janus.Server.Fanout;

/// <summary>
/// A connection's outbound queue: bounded in bytes, filled by fan-out from any thread, drained by one sink at a time.
/// </summary>
/// <remarks>
/// Policy when full: the message that would pass the bound is refused, everything queued is dropped, and the sink is
/// told once (<see cref="IOutboundSink.OnOverflow"/>) so it can disconnect the slow consumer. Publishers never wait.
/// Locking: the queue's lock is a leaf; nothing else is called while it is held. The ring starts empty and grows by
/// doubling, so an idle connection holds no array at all.
/// </remarks>
public sealed class OutboundQueue
{
    private const int ShrinkAbove = 256;

    // A spin lock in the queue object itself rather than a separate Lock object: fan-out takes it once per
    // subscriber, and one cache line fewer per subscriber is most of what an enqueue costs. Held for a few
    // instructions only (never across a call out), so spinning is the right wait.
    private int _locked;
    private readonly long _limit;
    private OutboundMessage[] _ring = [];
    private int _head;
    private int _count;
    private long _bytes;
    private IOutboundSink? _sink;
    private bool _drainScheduled;
    private QueueState _state;

    // While a resume builds this queue's replay, the drain may take only the messages that were queued before it began
    // (-1: no hold). The resume's answer is then inserted after them, ahead of the replay.
    private int _holdAllowance = -1;

    private enum QueueState
    {
        Open,
        Closing,
        Closed,
        Overflowed,
    }

    /// <summary>Creates a queue that holds at most <paramref name="limitBytes"/> bytes of unsent messages.</summary>
    public OutboundQueue(long id, long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        Id = id;
        _limit = limitBytes;
    }

    /// <summary>The most unsent bytes the queue holds before it overflows.</summary>
    public long Limit => _limit;

    /// <summary>Identifies the queue (and its session); spreads subscribers over a topic's stripes.</summary>
    public long Id { get; }

    /// <summary>Bytes queued and not yet taken by the sink.</summary>
    public long QueuedBytes
    {
        get
        {
            Enter();
            try
            {
                return _bytes;
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>Messages queued and not yet taken by the sink.</summary>
    public int Count
    {
        get
        {
            Enter();
            try
            {
                return _count;
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>Whether the queue still takes messages.</summary>
    public bool IsOpen
    {
        get
        {
            Enter();
            try
            {
                return _state == QueueState.Open;
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>
    /// Queues a message without waiting. On <see cref="EnqueueResult.Queued"/> the queue owns one reference to it;
    /// otherwise the caller still does.
    /// </summary>
    public EnqueueResult TryEnqueue(OutboundMessage message) =>
        TryEnqueueMany(new ReadOnlySpan<OutboundMessage>(in message), message.Size);

    /// <summary>
    /// Queues several messages at once, in order, under one lock: all of them or none. On
    /// <see cref="EnqueueResult.Queued"/> the queue owns one reference to each; otherwise the caller still does.
    /// <paramref name="totalBytes"/> is the sum of their <see cref="OutboundMessage.Size"/>.
    /// </summary>
    public EnqueueResult TryEnqueueMany(ReadOnlySpan<OutboundMessage> messages, int totalBytes)
    {
        IOutboundSink? notify = null;
        OutboundMessage[]? dropped = null;
        int droppedHead = 0, droppedCount = 0;
        EnqueueResult result;
        Enter();
        try
        {
            if (_state != QueueState.Open)
            {
                return EnqueueResult.Rejected;
            }

            if (_bytes + totalBytes > _limit)
            {
                _state = QueueState.Overflowed;
                dropped = TakeAllLocked(out droppedHead, out droppedCount);
                notify = _sink;
                result = EnqueueResult.Overflowed;
            }
            else
            {
                if (_count + messages.Length > _ring.Length)
                {
                    Grow(_count + messages.Length);
                }

                int mask = _ring.Length - 1;
                int tail = _head + _count;
                for (int i = 0; i < messages.Length; i++)
                {
                    _ring[(tail + i) & mask] = messages[i];
                }

                _count += messages.Length;
                _bytes += totalBytes;
                if (!_drainScheduled && _sink is not null)
                {
                    _drainScheduled = true;
                    notify = _sink;
                }

                result = EnqueueResult.Queued;
            }
        }
        finally
        {
            Exit();
        }

        if (result == EnqueueResult.Overflowed)
        {
            ReleaseAll(dropped!, droppedHead, droppedCount);
            notify?.OnOverflow();
        }
        else if (notify is not null)
        {
            FanoutBatch.Notify(notify);
        }

        return result;
    }

    /// <summary>
    /// Takes up to <paramref name="destination"/>.Length messages and about <paramref name="maxBytes"/> bytes for
    /// <paramref name="sink"/> to write. A solo message (ACK) comes alone. The caller owns the references it gets.
    /// </summary>
    public DrainStatus DequeueBatch(IOutboundSink sink, Span<OutboundMessage?> destination, int maxBytes, out int taken)
    {
        taken = 0;
        Enter();
        try
        {
            if (!ReferenceEquals(sink, _sink) || _state == QueueState.Closed)
            {
                _drainScheduled = false;
                return DrainStatus.Closed;
            }

            if (_state == QueueState.Overflowed)
            {
                // The overflowing enqueue is about to call OnOverflow, which sets the error frame and then calls
                // CloseGracefully. Answering Closed here let a running drain finish the output before the error
                // frame was set (the client saw a bare close instead of slow_consumer). Stop instead: CloseGracefully
                // schedules the final drain, which writes the error frame.
                _drainScheduled = false;
                return DrainStatus.Idle;
            }

            if (_count == 0)
            {
                if (_state == QueueState.Closing)
                {
                    _state = QueueState.Closed;
                    _drainScheduled = false;
                    return DrainStatus.Closed;
                }

                _drainScheduled = false;
                if (_ring.Length > ShrinkAbove)
                {
                    _ring = [];
                    _head = 0;
                }

                return DrainStatus.Idle;
            }

            int mask = _ring.Length - 1;
            int bytes = 0;
            int limit = destination.Length;
            if (_holdAllowance >= 0)
            {
                if (_holdAllowance == 0)
                {
                    _drainScheduled = false;
                    return DrainStatus.Idle;
                }

                limit = Math.Min(limit, _holdAllowance);
            }

            while (_count > 0 && taken < limit)
            {
                OutboundMessage next = _ring[_head];
                if (taken > 0 && (next.SoloWrite || bytes + next.Size > maxBytes))
                {
                    break;
                }

                _ring[_head] = null!;
                _head = (_head + 1) & mask;
                _count--;
                bytes += next.Size;
                destination[taken++] = next;
                if (next.SoloWrite)
                {
                    break;
                }
            }

            _bytes -= bytes;
            if (_holdAllowance > 0)
            {
                _holdAllowance -= taken;
            }

            return DrainStatus.Items;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Connects the sink that drains this queue (one at a time). If messages are waiting, the sink is told at once.
    /// </summary>
    public void Attach(IOutboundSink sink)
    {
        bool notify = false;
        Enter();
        try
        {
            _sink = sink;
            if (_count > 0 && !_drainScheduled && _state is QueueState.Open or QueueState.Closing)
            {
                _drainScheduled = true;
                notify = true;
            }
        }
        finally
        {
            Exit();
        }

        if (notify)
        {
            sink.OnDataAvailable();
        }
    }

    /// <summary>
    /// Stops taking messages but lets the sink drain what is queued; its last <see cref="DequeueBatch"/> returns
    /// <see cref="DrainStatus.Closed"/>. Returns true if a drain is running or was started, false if the sink
    /// will not be called again (nothing was attached, or the queue was already closed).
    /// </summary>
    public bool CloseGracefully()
    {
        IOutboundSink? notify = null;
        Enter();
        try
        {
            if (_state is QueueState.Closing or QueueState.Closed)
            {
                return _drainScheduled;
            }

            // From Open, or from Overflowed (already emptied): the sink's last batch is the error frame it adds itself.
            _state = QueueState.Closing;
            if (_sink is null)
            {
                return _drainScheduled;
            }

            if (!_drainScheduled)
            {
                _drainScheduled = true;
                notify = _sink;
            }
        }
        finally
        {
            Exit();
        }

        notify?.OnDataAvailable();
        return true;
    }

    /// <summary>
    /// Under the lock: empties the queue and hands its ring to the caller (with where its messages start and how many),
    /// who releases them outside the lock. One place for what closing and overflowing both do.
    /// </summary>
    private OutboundMessage[] TakeAllLocked(out int head, out int count)
    {
        OutboundMessage[] ring = _ring;
        head = _head;
        count = _count;
        _ring = [];
        _head = 0;
        _count = 0;
        _bytes = 0;
        return ring;
    }

    /// <summary>
    /// Closes the queue at once and drops what it holds. Returns true if a drain is still running (it will see
    /// <see cref="DrainStatus.Closed"/> on its next call).
    /// </summary>
    public bool Close()
    {
        OutboundMessage[] dropped;
        int head, count;
        bool draining;
        Enter();
        try
        {
            if (_state != QueueState.Overflowed)
            {
                _state = QueueState.Closed;
            }

            dropped = TakeAllLocked(out head, out count);
            draining = _drainScheduled;
        }
        finally
        {
            Exit();
        }

        ReleaseAll(dropped, head, count);
        return draining;
    }

    /// <summary>
    /// Takes the sink away without closing the queue: the session outlives its connection (docs/sessions.md). The
    /// queue keeps taking messages for <paramref name="parked"/>, which never drains (it only hears of an overflow).
    /// Returns true if a drain of <paramref name="sink"/> is running or scheduled (its next
    /// <see cref="DequeueBatch"/> returns <see cref="DrainStatus.Closed"/>); false if the caller must finish the output.
    /// </summary>
    public bool Detach(IOutboundSink sink, IOutboundSink parked)
    {
        Enter();
        try
        {
            if (!ReferenceEquals(_sink, sink))
            {
                return false;
            }

            bool draining = _drainScheduled;
            _sink = parked;

            // The parked sink is never asked to drain: marking a drain as scheduled keeps enqueues from notifying it.
            // A running drain of the old sink clears the mark when it stops; the next enqueue then notifies the parked
            // sink once, which does nothing.
            _drainScheduled = true;
            return draining;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Removes every message stamped by <paramref name="topic"/>: those after <paramref name="afterOffset"/> are
    /// appended to <paramref name="into"/> in queue order (their references go with them), the rest are released.
    /// Used by a resume on a parked queue, under the topic's publish lock.
    /// </summary>
    public void ExtractTopic(object topic, long afterOffset, List<OutboundMessage> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        List<OutboundMessage>? stale = null;
        Enter();
        try
        {
            if (_count == 0)
            {
                return;
            }

            int mask = _ring.Length - 1;
            int kept = 0;
            for (int i = 0; i < _count; i++)
            {
                OutboundMessage message = _ring[(_head + i) & mask];
                if (!ReferenceEquals(message.Topic, topic))
                {
                    _ring[(_head + kept) & mask] = message;
                    kept++;
                    continue;
                }

                _bytes -= message.Size;
                if (message.Offset > afterOffset)
                {
                    into.Add(message);
                }
                else
                {
                    (stale ??= []).Add(message);
                }
            }

            for (int i = kept; i < _count; i++)
            {
                _ring[(_head + i) & mask] = null!;
            }

            _count = kept;
        }
        finally
        {
            Exit();
        }

        if (stale is not null)
        {
            foreach (OutboundMessage message in stale)
            {
                message.Release();
            }
        }
    }

    /// <summary>The offset of the first queued message of <paramref name="topic"/>, or 0 if none is queued.</summary>
    public long FirstOffsetOf(object topic)
    {
        Enter();
        try
        {
            int mask = _ring.Length - 1;
            for (int i = 0; i < _count; i++)
            {
                OutboundMessage message = _ring[(_head + i) & mask];
                if (ReferenceEquals(message.Topic, topic))
                {
                    return message.Offset;
                }
            }

            return 0;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Puts messages back at the front of the queue, in the given order (the queue takes over one reference to each;
    /// if it no longer takes messages they are released). For a parked session's in-flight messages.
    /// </summary>
    public void Prepend(List<OutboundMessage> messages, long bytes)
    {
        ArgumentNullException.ThrowIfNull(messages);
        bool accepted = false;
        Enter();
        try
        {
            if (_state == QueueState.Open)
            {
                accepted = true;
                if (_count + messages.Count > _ring.Length)
                {
                    Grow(_count + messages.Count);
                }

                int mask = _ring.Length - 1;
                for (int i = messages.Count - 1; i >= 0; i--)
                {
                    _head = (_head - 1) & mask;
                    _ring[_head] = messages[i];
                }

                _count += messages.Count;
                _bytes += bytes;
            }
        }
        finally
        {
            Exit();
        }

        if (!accepted)
        {
            foreach (OutboundMessage message in messages)
            {
                message.Release();
            }
        }
    }

    /// <summary>
    /// Starts a hold: the drain may still send what is queued now, nothing queued later, until <see cref="EndHold"/>.
    /// </summary>
    public void BeginHold()
    {
        Enter();
        try
        {
            _holdAllowance = _count;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Starts a hold unless one is in place already (an earlier asynchronous subscribe of the session still builds its
    /// replay); false when it was. The hold point then stays where the earlier hold put it.
    /// </summary>
    public bool TryBeginHold()
    {
        Enter();
        try
        {
            if (_holdAllowance >= 0)
            {
                return false;
            }

            _holdAllowance = _count;
            return true;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Inserts <paramref name="messages"/> (the queue takes over one reference to each) at the hold point, ahead of
    /// everything queued during the hold, and moves the hold point past them; <paramref name="release"/> ends the hold.
    /// Past the queue's bound the queue overflows (its sink hears of it), as a fan-out would make it. A queue that no
    /// longer takes messages releases them.
    /// </summary>
    public void InsertAtHold(List<OutboundMessage> messages, bool release)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IOutboundSink? notify = null;
        bool overflow = false, rejected = false;
        OutboundMessage[]? dropped = null;
        int droppedHead = 0, droppedCount = 0;
        int bytes = 0;
        foreach (OutboundMessage message in messages)
        {
            bytes += message.Size;
        }

        Enter();
        try
        {
            int at = Math.Max(0, _holdAllowance);
            if (_state != QueueState.Open)
            {
                rejected = true;
                _holdAllowance = release ? -1 : _holdAllowance;
            }
            else if (_bytes + bytes > _limit)
            {
                overflow = true;
                _state = QueueState.Overflowed;
                _holdAllowance = -1;
                dropped = TakeAllLocked(out droppedHead, out droppedCount);
                notify = _sink;
            }
            else
            {
                int n = messages.Count;
                if (_count + n > _ring.Length)
                {
                    Grow(_count + n);
                }

                int mask = _ring.Length - 1;
                for (int i = _count - 1; i >= at; i--)
                {
                    _ring[(_head + i + n) & mask] = _ring[(_head + i) & mask];
                }

                for (int i = 0; i < n; i++)
                {
                    _ring[(_head + at + i) & mask] = messages[i];
                }

                _count += n;
                _bytes += bytes;
                _holdAllowance = release ? -1 : at + n;
                if (!_drainScheduled && _sink is not null)
                {
                    _drainScheduled = true;
                    notify = _sink;
                }
            }
        }
        finally
        {
            Exit();
        }

        if (rejected || overflow)
        {
            foreach (OutboundMessage message in messages)
            {
                message.Release();
            }
        }

        if (overflow)
        {
            ReleaseAll(dropped!, droppedHead, droppedCount);
            notify?.OnOverflow();
        }
        else
        {
            notify?.OnDataAvailable();
        }
    }

    /// <summary>
    /// Ends a hold: <paramref name="first"/> goes right after what was queued before the hold (ahead of everything
    /// queued during it), and draining goes on.
    /// </summary>
    public void EndHold(OutboundMessage first)
    {
        ArgumentNullException.ThrowIfNull(first);
        IOutboundSink? notify = null;
        Enter();
        try
        {
            int at = Math.Max(0, _holdAllowance);
            _holdAllowance = -1;
            if (_state != QueueState.Open)
            {
                return;
            }

            if (_count + 1 > _ring.Length)
            {
                Grow(_count + 1);
            }

            int mask = _ring.Length - 1;
            for (int i = _count; i > at; i--)
            {
                _ring[(_head + i) & mask] = _ring[(_head + i - 1) & mask];
            }

            _ring[(_head + at) & mask] = first;
            _count++;
            _bytes += first.Size;
            if (!_drainScheduled && _sink is not null)
            {
                _drainScheduled = true;
                notify = _sink;
            }
        }
        finally
        {
            Exit();
        }

        notify?.OnDataAvailable();
    }

    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _locked, 1, 0) != 0)
        {
            EnterContended();
        }
    }

    private void EnterContended()
    {
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _locked) != 0 || Interlocked.CompareExchange(ref _locked, 1, 0) != 0);
    }

    private void Exit() => Volatile.Write(ref _locked, 0);

    private void Grow(int needed)
    {
        int capacity = Math.Max(4, _ring.Length * 2);
        while (capacity < needed)
        {
            capacity *= 2;
        }

        var ring = new OutboundMessage[capacity];
        for (int i = 0; i < _count; i++)
        {
            ring[i] = _ring[(_head + i) & (_ring.Length - 1)];
        }

        _ring = ring;
        _head = 0;
    }

    private static void ReleaseAll(OutboundMessage[] ring, int head, int count)
    {
        for (int i = 0; i < count; i++)
        {
            ring[(head + i) & (ring.Length - 1)].Release();
        }
    }
}
