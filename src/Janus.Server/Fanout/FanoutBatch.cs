namespace Janus.Server.Fanout;

/// <summary>
/// Defers "you have data" notifications while one thread processes a batch of input (one read's worth of
/// publishes), then sends each notification once. Without it, the first of 100 back-to-back publishes wakes every
/// subscriber's drain, which then races the other 99 and writes them one or two at a time; with it, each subscriber
/// gets one write carrying everything (NATS does the same with its per-read "pending client flush" set).
/// </summary>
/// <remarks>
/// Bounded: once the messages published under the scope reach <see cref="MaxDeferredBytes"/> the pending
/// notifications go out at once, so a huge input buffer can never hold back more than that much per subscriber
/// (far below the slow-consumer bound). Scopes nest; only the outermost flushes. Thread-static, no locks.
/// </remarks>
public readonly struct FanoutBatch : IDisposable
{
    /// <summary>Message bytes published under a scope before its notifications are flushed early.</summary>
    public const int MaxDeferredBytes = 64 * 1024;

    /// <summary>
    /// At most this many deferred drains run inline on the scope's own thread when it closes (a reader answering
    /// its own client); more are handed to the sender threads. An event loop's pass sets its own limit.
    /// </summary>
    public const int MaxInlineDrains = 2;

    [ThreadStatic]
    private static IOutboundSink?[]? t_pending;

    [ThreadStatic]
    private static int t_count;

    [ThreadStatic]
    private static int t_depth;

    [ThreadStatic]
    private static long t_bytes;

    [ThreadStatic]
    private static int t_maxInline;

    /// <summary>Opens a scope on this thread; dispose it (on the same thread) to send the deferred notifications.</summary>
    public static FanoutBatch Begin() => Begin(MaxInlineDrains);

    /// <summary>
    /// Opens a scope around one pass of an event loop (everything one <c>epoll_wait</c> reported), as Redis writes to
    /// its clients only after processing every ready socket: publishes read from many connections in one pass then
    /// reach each subscriber in one write, and up to <paramref name="maxInlineDrains"/> drains (the pass's ACKs and
    /// greetings) run on the loop thread itself instead of waking a sender.
    /// </summary>
    public static FanoutBatch BeginEventLoopPass(int maxInlineDrains) => Begin(maxInlineDrains);

    private static FanoutBatch Begin(int maxInlineDrains)
    {
        if (t_depth++ == 0)
        {
            t_maxInline = maxInlineDrains;
        }

        return default;
    }

    /// <summary>Whether a scope is open on this thread.</summary>
    internal static bool IsActive => t_depth > 0;

    /// <summary>Whether messages were published under this thread's scope since its notifications last went out.</summary>
    internal static bool HoldsPublishes => t_depth > 0 && t_bytes > 0;

    /// <summary>Closes the scope; the outermost one sends every deferred notification.</summary>
    public void Dispose()
    {
        if (--t_depth == 0)
        {
            Flush();
        }
    }

    /// <summary>Defers a notification, or sends it now when no scope is open.</summary>
    internal static void Notify(IOutboundSink sink)
    {
        if (t_depth == 0)
        {
            sink.OnDataAvailable();
            return;
        }

        IOutboundSink?[] pending = t_pending ??= new IOutboundSink?[256];
        if (t_count == pending.Length)
        {
            Array.Resize(ref t_pending, pending.Length * 2);
            pending = t_pending!;
        }

        pending[t_count++] = sink;
    }

    /// <summary>Counts a published message against the scope's bound; flushes early when it is reached.</summary>
    internal static void Published(int bytes)
    {
        if (t_depth > 0 && (t_bytes += bytes) >= MaxDeferredBytes)
        {
            Flush();
        }
    }

    private static void Flush()
    {
        t_bytes = 0;
        int count = t_count;
        if (count == 0)
        {
            return;
        }

        IOutboundSink?[] pending = t_pending!;
        t_count = 0;
        bool inline = count <= t_maxInline;
        for (int i = 0; i < count; i++)
        {
            IOutboundSink sink = pending[i]!;
            pending[i] = null;
            if (inline)
            {
                sink.DrainInline();
            }
            else
            {
                sink.OnDataAvailable();
            }
        }
    }
}
