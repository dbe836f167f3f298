using System.Collections.Concurrent;

namespace Janus.Server.Transports;

/// <summary>
/// Runs connection drains on a few dedicated threads instead of the thread pool.
/// </summary>
/// <remarks>
/// <para>Why not the thread pool: .NET's socket engine hands each readable socket to the pool as one work item and
/// queues the next only after it. A publish that wakes 10,000 drains puts them in the pool's FIFO queue ahead of
/// the next publisher's read, so back-to-back publishes from separate connections were read one at a time with a
/// full drain between them: one write per message per subscriber, a few per cent of what the machine can do. With
/// drains on their own threads the pool only ever holds input; publishes are read as they arrive and pile up in
/// the queues while the senders work, and each subscriber's next drain takes everything queued in one write (the
/// coalescing Redis gets from writing only after its event loop has read everything).</para>
/// <para>Matched to the event loops: each sender has a ready queue of its own, and a connection is always queued on
/// the same one (<see cref="ClientConnection.SenderAffinity"/>: an epoll connection's loop number, so sender i
/// writes what loop i's clients are sent, and the loops share no queue). A sender whose queue is empty takes from
/// the others' before it parks, so one busy loop's fan-out still uses every sender.</para>
/// <para>A connection is scheduled at most once at a time (its queue's drain flag sees to that), so the ready
/// queues hold each busy connection once. Idle senders park on an event; scheduling wakes at most one: the
/// connection's own sender if it is parked, else another parked one (which takes the work from the busy one's queue).</para>
/// </remarks>
public sealed class SendScheduler : IDisposable
{
    private readonly Sender[] _senders;
    private int _nextAffinity = -1;
    private volatile bool _stopping;

    /// <summary>Starts <paramref name="threads"/> sender threads (0: one per processor).</summary>
    public SendScheduler(int threads)
    {
        int count = threads > 0 ? threads : Environment.ProcessorCount;
        _senders = new Sender[count];
        for (int i = 0; i < count; i++)
        {
            _senders[i] = new Sender(this, i);
        }

        // Only once all exist: each thread looks into the others' queues.
        foreach (Sender sender in _senders)
        {
            sender.Start();
        }
    }

    /// <summary>The number of sender threads.</summary>
    public int ThreadCount => _senders.Length;

    /// <summary>A sender for a connection that has no loop of its own (round robin).</summary>
    internal int NextAffinity() => (int)((uint)Interlocked.Increment(ref _nextAffinity) % (uint)_senders.Length);

    /// <summary>Queues a connection's drain on its sender; never blocks.</summary>
    public void Schedule(ClientConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Sender[] senders = _senders;
        int home = (int)((uint)connection.SenderAffinity % (uint)senders.Length);
        senders[home].Ready.Enqueue(connection);
        for (int i = 0; i < senders.Length; i++)
        {
            if (senders[(home + i) % senders.Length].TryWake())
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping = true;
        foreach (Sender sender in _senders)
        {
            sender.Dispose();
        }
    }

    private sealed class Sender : IDisposable
    {
        private readonly SendScheduler _owner;
        private readonly int _index;
        // Ten spins are pure CPU spins; more would sched_yield, which on two cores mostly burns the other thread's time.
        private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 10);
        private readonly Thread _thread;
        private int _idle;

        public Sender(SendScheduler owner, int index)
        {
            _owner = owner;
            _index = index;
            _thread = new Thread(Run) { IsBackground = true, Name = "janus-send-" + index };
        }

        public void Start() => _thread.Start();

        /// <summary>The drains queued for this sender.</summary>
        public ConcurrentQueue<ClientConnection> Ready { get; } = new();

        /// <summary>Claims the sender if it is parked and wakes it; false if it was busy.</summary>
        public bool TryWake()
        {
            if (Volatile.Read(ref _idle) == 1 && Interlocked.CompareExchange(ref _idle, 0, 1) == 1)
            {
                _wake.Set();
                return true;
            }

            return false;
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref _idle, 0);
            _wake.Set();

            // The thread exits on its next look at _stopping; the event outlives it only as garbage.
            _thread.Join(TimeSpan.FromSeconds(1));
        }

        private void Run()
        {
            Sender[] senders = _owner._senders;
            while (!_owner._stopping)
            {
                // Its own queue first, then the others' (in turn from the next), until all are empty.
                while (TryTake(senders, out ClientConnection? connection))
                {
                    connection.RunDrain();
                }

                // Park. The order (reset, declare idle, look again) means a Schedule either sees us idle and sets
                // the event after the reset, or put its connection in a queue before our second look.
                _wake.Reset();
                Interlocked.Exchange(ref _idle, 1);
                if (!AllEmpty(senders) && Interlocked.CompareExchange(ref _idle, 0, 1) == 1)
                {
                    continue;
                }

                _wake.Wait();
            }
        }

        private bool TryTake(Sender[] senders, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ClientConnection? connection)
        {
            if (Ready.TryDequeue(out connection))
            {
                return true;
            }

            for (int i = 1; i < senders.Length; i++)
            {
                if (senders[(_index + i) % senders.Length].Ready.TryDequeue(out connection))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool AllEmpty(Sender[] senders)
        {
            foreach (Sender sender in senders)
            {
                if (!sender.Ready.IsEmpty)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
