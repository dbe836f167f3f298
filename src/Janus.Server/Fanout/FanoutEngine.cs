using Janus.Protocol;

namespace Janus.Server.Fanout;

/// <summary>
/// Delivers a published message to every local subscriber of its topic. It knows no transport (it fills queues;
/// transports drain them), no cluster and no metrics: it calls the seams it owns, <see cref="IPublishForwarder"/>
/// (a publish accepted here goes further, under the topic's publish lock) and <see cref="IFanoutObserver"/> (what a
/// fan-out did), and the cluster calls <see cref="Publish"/> with the origin's timestamp or <see cref="PublishAt(ReadOnlySpan{char}, Span{PositionedPublish})"/>.
/// </summary>
/// <remarks>
/// Hot-path rules: the message is encoded once by the caller; here it is stamped once and offered to each queue,
/// with no await, no LINQ, no closure and no allocation per subscriber. A full queue is that subscriber's problem
/// (it is cut as a slow consumer); everyone else keeps their latency.
/// </remarks>
public sealed class FanoutEngine
{
    private readonly TopicRegistry _topics;
    private readonly TimeProvider _time;
    private readonly IFanoutObserver _metrics;
    private IPublishForwarder? _forwarder;

    /// <summary>Creates the engine over a topic registry; <paramref name="observer"/> is told what each fan-out did.</summary>
    public FanoutEngine(TopicRegistry topics, TimeProvider time, IFanoutObserver observer)
    {
        _topics = topics;
        _time = time;
        _metrics = observer;
    }

    /// <summary>The topics this engine delivers to.</summary>
    public TopicRegistry Topics => _topics;

    /// <summary>The forwarder publishes accepted here are offered to (null on a single node).</summary>
    public IPublishForwarder? Forwarder => Volatile.Read(ref _forwarder);

    /// <summary>
    /// Sends every publish accepted here (one without an origin timestamp) through <paramref name="forwarder"/> as
    /// well, from now on. Set once, at start-up, before the first publish (the cluster does, when it is built).
    /// </summary>
    public void AttachForwarder(IPublishForwarder forwarder)
    {
        ArgumentNullException.ThrowIfNull(forwarder);
        if (Interlocked.CompareExchange(ref _forwarder, forwarder, null) is not null)
        {
            throw new InvalidOperationException("The fan-out engine already has a forwarder.");
        }
    }

    /// <summary>
    /// Stamps <paramref name="message"/> (whose body is written) and queues it for every subscriber of
    /// <paramref name="topic"/>. Takes over one of the caller's references (take another first to read
    /// <see cref="OutboundMessage.Timestamp"/> afterwards). The timestamp is taken now, inside the topic's
    /// publish lock, unless <paramref name="originTimestamp"/> carries the time another node took.
    /// </summary>
    public FanoutCounts Publish(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source, ErlangTimestamp? originTimestamp = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        IPublishForwarder? forwarder = originTimestamp is null ? Volatile.Read(ref _forwarder) : null;
        if (forwarder is not null)
        {
            ErlangTimestamp now = Now();
            if (forwarder.TryHandOff(topic, now, message.Body))
            {
                return HandedOff(message, source, now, _topics.TryGet(topic, out Topic? local) ? local.SubscriberCount : 0);
            }

            if (!_topics.TryGet(topic, out _))
            {
                // No local state to keep in order with: forwarded outside any lock. A topic that keeps history may
                // still be created below, numbered here.
                forwarder.Forward(topic, null, now, message.Body);
                forwarder = null;
                originTimestamp = now;
            }
        }

        if (!_topics.TryGetForPublish(topic, out Topic? target, out bool reserved))
        {
            // The topic went meanwhile (its last subscriber left): no local order to keep, but other nodes still get it.
            ErlangTimestamp timestamp = originTimestamp ?? Now();
            forwarder?.Forward(topic, null, timestamp, message.Body);

            // Stamped all the same: a caller reads the timestamp afterwards.
            message.Stamp(timestamp, _time.GetTimestamp(), observer: null);
            message.Release();
            _metrics.PublishFannedOut(source, default, 0);
            return default;
        }

        Span<int> refused = stackalloc int[1];
        int subscribers;
        int overflowed = 0;
        lock (target.PublishLock)
        {
            long started = _time.GetTimestamp();
            ErlangTimestamp timestamp = originTimestamp ?? Now();

            // Under the lock: concurrent publishes through this node leave in the order its subscribers get them.
            forwarder?.Forward(topic, target, timestamp, message.Body);
            target.Stamp(message, timestamp, started, _metrics);
            subscribers = target.FanOut(new ReadOnlySpan<OutboundMessage>(in message), message.Size, refused, ref overflowed);
        }

        if (reserved)
        {
            _topics.Release(target);
        }

        var counts = new FanoutCounts(subscribers, subscribers - refused[0], overflowed);

        FanoutBatch.Published(message.Size);

        _metrics.PublishFannedOut(source, counts, _time.GetElapsedTime(message.FanoutStartedAt).TotalMilliseconds);
        message.Release();
        return counts;
    }

    /// <summary>
    /// Finishes a publish its forwarder handed on: stamped with its timestamp (a caller may read it), counted as
    /// accepted, fanned out when it comes back. The counts are an estimate: the local subscribers it will reach.
    /// </summary>
    private FanoutCounts HandedOff(OutboundMessage message, TransportKind source, ErlangTimestamp timestamp, int subscribers)
    {
        message.Stamp(timestamp, 0, observer: null);
        message.Release();
        _metrics.PublishFannedOut(source, default, 0);
        return new FanoutCounts(subscribers, subscribers, 0);
    }

    /// <summary>
    /// Fans out a message whose position another authority assigned (in a cluster whose history lives in Redis: the
    /// offset and epoch Redis gave it, in the channel's order), with the origin's timestamp. Only a topic that exists
    /// here (it has subscribers or history) takes it; a duplicate offset is dropped. Takes over one of the caller's
    /// references. A null <paramref name="source"/> means the publish was counted when this node accepted it.
    /// </summary>
    public FanoutCounts PublishAt(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind? source, ErlangTimestamp originTimestamp, long offset, string epoch)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_topics.TryGet(topic, out Topic? target))
        {
            if (source is { } uncounted)
            {
                _metrics.PublishFannedOut(uncounted, default, 0);
            }

            message.Release();
            return default;
        }

        Span<int> refused = stackalloc int[1];
        int subscribers;
        int overflowed = 0;
        lock (target.PublishLock)
        {
            long started = _time.GetTimestamp();
            if (!target.StampAt(message, originTimestamp, started, _metrics, offset, epoch))
            {
                message.Release();
                return default;
            }

            subscribers = target.FanOut(new ReadOnlySpan<OutboundMessage>(in message), message.Size, refused, ref overflowed);
        }

        var counts = new FanoutCounts(subscribers, subscribers - refused[0], overflowed);
        FanoutBatch.Published(message.Size);
        double milliseconds = _time.GetElapsedTime(message.FanoutStartedAt).TotalMilliseconds;
        if (source is { } counted)
        {
            _metrics.PublishFannedOut(counted, counts, milliseconds);
        }
        else
        {
            _metrics.FannedOut(counts, milliseconds);
        }

        message.Release();
        return counts;
    }

    /// <summary>
    /// Fans out consecutive messages of one topic whose positions another authority assigned, in their order, as one
    /// batch: one publish lock and one enqueue per subscriber for all of them, as the combiner does for local
    /// publishes (a burst from another node costs what the same burst published here costs). Each message is handled
    /// as <see cref="PublishAt(ReadOnlySpan{char}, OutboundMessage, TransportKind?, ErlangTimestamp, long, string)"/>
    /// would (a duplicate offset is dropped). Takes over one reference of each message and clears
    /// <paramref name="batch"/>.
    /// </summary>
    public void PublishAt(ReadOnlySpan<char> topic, Span<PositionedPublish> batch)
    {
        int count = batch.Length;
        if (!_topics.TryGet(topic, out Topic? target))
        {
            for (int i = 0; i < count; i++)
            {
                if (batch[i].Source is { } uncounted)
                {
                    _metrics.PublishFannedOut(uncounted, default, 0);
                }

                batch[i].Message.Release();
            }

            batch.Clear();
            return;
        }

        (OutboundMessage[] messages, int[] refused) = Scratch(count);
        int fanned = 0;
        int totalBytes = 0;
        int subscribers = 0;
        int overflowed = 0;
        lock (target.PublishLock)
        {
            long started = _time.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                ref readonly PositionedPublish publish = ref batch[i];
                if (target.StampAt(publish.Message, publish.Timestamp, started, _metrics, publish.Offset, publish.Epoch))
                {
                    messages[fanned++] = publish.Message;
                    totalBytes += publish.Message.Size;
                }
            }

            if (fanned > 0)
            {
                subscribers = target.FanOut(messages.AsSpan(0, fanned), totalBytes, refused.AsSpan(0, fanned), ref overflowed);
            }
        }

        if (fanned > 0)
        {
            FanoutBatch.Published(totalBytes);
        }

        int j = 0;
        for (int i = 0; i < count; i++)
        {
            OutboundMessage message = batch[i].Message;
            if (j < fanned && ReferenceEquals(messages[j], message))
            {
                var counts = new FanoutCounts(subscribers, subscribers - refused[j], j == 0 ? overflowed : 0);
                double milliseconds = _time.GetElapsedTime(message.FanoutStartedAt).TotalMilliseconds;
                if (batch[i].Source is { } counted)
                {
                    _metrics.PublishFannedOut(counted, counts, milliseconds);
                }
                else
                {
                    _metrics.FannedOut(counts, milliseconds);
                }

                messages[j++] = null!;
            }

            // A duplicate was not stamped: dropped, like the single form does.
            message.Release();
        }

        batch.Clear();
    }

    /// <summary>
    /// Like <see cref="Publish"/>, for callers that do not need the outcome (a TCP or WebSocket client's publish):
    /// if another thread is fanning the topic out right now, the message joins that thread's next batch and this
    /// call returns at once; otherwise this thread fans out its message and whatever joins meanwhile. A batch goes
    /// to each subscriber under one lock of its queue, so 100 publishes from 100 connections cost about one enqueue
    /// per subscriber instead of 100 (flat combining). Order is the batch order, the same for every subscriber, and
    /// each message is stamped when its batch is fanned out.
    /// </summary>
    public void PublishAndForget(ReadOnlySpan<char> topic, OutboundMessage message, TransportKind source, ErlangTimestamp? originTimestamp = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (originTimestamp is null && Volatile.Read(ref _forwarder) is { } forwarder)
        {
            // Handed off here, on the publishing thread and before the combining list: the topic's lock is not
            // needed (the other authority orders it), and the forward must not wait behind a local fan-out.
            ErlangTimestamp now = Now();
            if (forwarder.TryHandOff(topic, now, message.Body))
            {
                HandedOff(message, source, now, 0);
                return;
            }
        }

        if (!_topics.TryGet(topic, out Topic? target))
        {
            Publish(topic, message, source, originTimestamp);
            return;
        }

        if (target.AddPending(new PendingPublish(message, source, originTimestamp)))
        {
            RunCombiner(target);
        }
    }

    /// <summary>The combiner's turn: fans out what is pending, batch after batch, until nothing is.</summary>
    internal void RunCombiner(Topic target)
    {
        PendingPublish[] batch = t_batch ??= new PendingPublish[16];
        int count;
        while ((count = target.TakePending(ref batch)) > 0)
        {
            t_batch = batch;
            FanOutBatch(target, batch, count);
        }

        t_batch = batch;
    }

    [ThreadStatic]
    private static PendingPublish[]? t_batch;

    [ThreadStatic]
    private static OutboundMessage[]? t_messages;

    [ThreadStatic]
    private static int[]? t_refused;

    /// <summary>This thread's arrays for a batch of <paramref name="count"/> messages, the refusal counts cleared.</summary>
    private static (OutboundMessage[] Messages, int[] Refused) Scratch(int count)
    {
        OutboundMessage[] messages = t_messages is { } m && m.Length >= count ? m : (t_messages = new OutboundMessage[Math.Max(16, count * 2)]);
        int[] refused = t_refused is { } r && r.Length >= count ? r : (t_refused = new int[messages.Length]);
        Array.Clear(refused, 0, count);
        return (messages, refused);
    }

    private void FanOutBatch(Topic target, PendingPublish[] batch, int count)
    {
        (OutboundMessage[] messages, int[] refused) = Scratch(count);
        IPublishForwarder? forwarder = Volatile.Read(ref _forwarder);
        int totalBytes = 0;
        int subscribers;
        int overflowed = 0;
        lock (target.PublishLock)
        {
            long started = _time.GetTimestamp();
            ErlangTimestamp now = Now();
            for (int i = 0; i < count; i++)
            {
                OutboundMessage message = batch[i].Message;
                ErlangTimestamp timestamp = batch[i].HasOrigin ? batch[i].Origin : now;
                if (!batch[i].HasOrigin)
                {
                    // Forwarded in batch order under the lock: the order the local subscribers get them.
                    forwarder?.Forward(target.Name, target, timestamp, message.Body);
                }

                target.Stamp(message, timestamp, started, _metrics);
                messages[i] = message;
                totalBytes += message.Size;
            }

            subscribers = target.FanOut(messages.AsSpan(0, count), totalBytes, refused.AsSpan(0, count), ref overflowed);
        }

        FanoutBatch.Published(totalBytes);
        for (int i = 0; i < count; i++)
        {
            OutboundMessage message = messages[i];
            var counts = new FanoutCounts(subscribers, subscribers - refused[i], i == 0 ? overflowed : 0);
            _metrics.PublishFannedOut(batch[i].Source, counts, _time.GetElapsedTime(message.FanoutStartedAt).TotalMilliseconds);
            message.Release();
            messages[i] = null!;
            batch[i] = default;
        }
    }

    /// <summary>The current wall-clock time as an Erlang timestamp, for callers that forward a publish elsewhere first.</summary>
    public ErlangTimestamp Now() => ErlangTimestamp.FromDateTimeOffset(_time.GetUtcNow());
}
