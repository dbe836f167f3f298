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
/// <para>A connection is scheduled at most once at a time (its queue's drain flag sees to that), so the ready
/// queue holds each busy connection once. Idle senders park on an event; scheduling wakes at most one.</para>
/// </remarks>
public sealed class SendScheduler : IDisposable
{
    private readonly ConcurrentQueue<ClientConnection> _ready = new();
    private readonly Sender[] _senders;
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
    }

    /// <summary>The number of sender threads.</summary>
    public int ThreadCount => _senders.Length;

    /// <summary>Queues a connection's drain; never blocks.</summary>
    public void Schedule(ClientConnection connection)
    {
        _ready.Enqueue(connection);
        Sender[] senders = _senders;
        for (int i = 0; i < senders.Length; i++)
        {
            if (senders[i].TryWake())
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
        // Ten spins are pure CPU spins; more would sched_yield, which on two cores mostly burns the other thread's time.
        private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 10);
        private readonly Thread _thread;
        private int _idle;

        public Sender(SendScheduler owner, int index)
        {
            _owner = owner;
            _thread = new Thread(Run) { IsBackground = true, Name = "janus-send-" + index };
            _thread.Start();
        }

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
            ConcurrentQueue<ClientConnection> ready = _owner._ready;
            while (!_owner._stopping)
            {
                while (ready.TryDequeue(out ClientConnection? connection))
                {
                    connection.RunDrain();
                }

                // Park. The order (reset, declare idle, look again) means a Schedule either sees us idle and sets
                // the event after the reset, or put its connection in the queue before our second look.
                _wake.Reset();
                Interlocked.Exchange(ref _idle, 1);
                if (!ready.IsEmpty && Interlocked.CompareExchange(ref _idle, 0, 1) == 1)
                {
                    continue;
                }

                _wake.Wait();
            }
        }
    }
}
