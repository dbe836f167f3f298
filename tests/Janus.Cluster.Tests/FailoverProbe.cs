using System.Diagnostics;
using System.Globalization;
using Janus.Testing;

namespace Janus.Cluster.Tests;

/// <summary>
/// What a client sees while Redis fails over: one connection publishes a numbered sequence to a topic through one node
/// at a steady pace, and a subscriber of the topic on another node records every message and when it arrived.
/// </summary>
internal sealed class FailoverProbe : IAsyncDisposable
{
    private const int MaxMessages = 20_000;

    private readonly RawTcpClient _publisher;
    private readonly RawTcpClient _subscriber;
    private readonly string _topic;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly long[] _sentAt = new long[MaxMessages + 1];
    private readonly List<(int Id, long At)> _received = [];
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = [];
    private Task _publishing = Task.CompletedTask;
    private Task _receiving = Task.CompletedTask;
    private int _lastSent;

    private FailoverProbe(RawTcpClient publisher, RawTcpClient subscriber, string topic, TimeSpan interval)
    {
        _publisher = publisher;
        _subscriber = subscriber;
        _topic = topic;
        _interval = interval;
    }

    /// <summary>The topic.</summary>
    public string Topic => _topic;

    /// <summary>The last message id published.</summary>
    public int LastSent => Volatile.Read(ref _lastSent);

    /// <summary>Subscribes on <paramref name="subscribeOn"/> (and waits for its Redis subscription), then starts publishing on <paramref name="publishOn"/>.</summary>
    public static async Task<FailoverProbe> StartAsync(JanusTestServer publishOn, JanusTestServer subscribeOn, string topic, TimeSpan interval)
    {
        RawTcpClient subscriber = await subscribeOn.SubscribeAsync(topic);
        await subscribeOn.WaitForChannelAsync(topic, subscribed: true);
        RawTcpClient publisher = await RawTcpClient.ConnectAsync(publishOn.TcpEndPoint!);
        await publisher.ReadMessageAsync();
        var probe = new FailoverProbe(publisher, subscriber, topic, interval);
        probe._receiving = Task.Run(probe.ReceiveAsync);
        probe._publishing = Task.Run(probe.PublishAsync);
        return probe;
    }

    /// <summary>Waits until <paramref name="count"/> messages published after message <paramref name="afterId"/> have arrived.</summary>
    public Task WaitForReceivedAfterAsync(int afterId, int count, TimeSpan timeout) =>
        WhenAsync(() => _received.Count(r => r.Id > afterId) >= count, timeout, $"{count} messages after id {afterId} on {_topic}");

    /// <summary>
    /// Stops publishing, waits (at most <paramref name="timeout"/>) until the last message published has arrived, and
    /// tells what the subscriber saw around <paramref name="failoverAt"/> (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    public async Task<FailoverReport> StopAsync(long failoverAt, TimeSpan timeout)
    {
        await _stop.CancelAsync();
        await _publishing;
        int last = LastSent;
        await WhenAsync(() => _received.Exists(r => r.Id == last), timeout, $"the last message {last} on {_topic}");
        lock (_lock)
        {
            return FailoverReport.From(_topic, last, _sentAt, _received, failoverAt);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _publishing;
        await _publisher.DisposeAsync();
        await _subscriber.DisposeAsync();
        await _receiving;
        _stop.Dispose();
    }

    private async Task WhenAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (done())
            {
                return;
            }

            _waiters.Add((done, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Signal == signal);
                throw new TimeoutException($"Waited {timeout} for {what}; sent {LastSent}, received {_received.Count} (last id {(_received.Count > 0 ? _received[^1].Id : 0)}).");
            }
        }
    }

    private async Task PublishAsync()
    {
        for (int id = 1; id <= MaxMessages && !_stop.IsCancellationRequested; id++)
        {
            _sentAt[id] = Stopwatch.GetTimestamp();
            await _publisher.SendAsync("{\"action\":\"publish\",\"topic\":\"" + _topic + "\",\"event\":\"n\",\"message_id\":" + id.ToString(CultureInfo.InvariantCulture) + ",\"data\":null}\0");
            Volatile.Write(ref _lastSent, id);
            try
            {
                await Task.Delay(_interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReceiveAsync()
    {
        while (true)
        {
            int id;
            try
            {
                id = await _subscriber.ReadMessageIdAsync();
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return;
            }

            long at = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                _received.Add((id, at));
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Done())
                    {
                        _waiters[i].Signal.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}

/// <summary>What one subscriber saw of a steadily published sequence while Redis failed over.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Sent">Messages published.</param>
/// <param name="Lost">Messages published that never arrived.</param>
/// <param name="Duplicates">Messages that arrived more than once.</param>
/// <param name="Gap">The longest time between two consecutive arrivals: the outage as the subscriber saw it.</param>
/// <param name="FirstAfterFailover">From the failover's start to the arrival of the first message published after it.</param>
/// <param name="RecoveredFrom">The first message published after the failover started that arrived.</param>
/// <param name="LostAfterRecovery">Messages published from <paramref name="RecoveredFrom"/> on that never arrived.</param>
/// <param name="LostOfLast">Messages among the last <see cref="Tail"/> published that never arrived: the cluster has recovered when 0.</param>
/// <param name="PublishPause">The longest time between two publishes (the publisher waits 10 ms; longer means it was held up).</param>
internal sealed record FailoverReport(string Topic, int Sent, int Lost, int Duplicates, TimeSpan Gap, TimeSpan FirstAfterFailover, int RecoveredFrom, int LostAfterRecovery, int LostOfLast, TimeSpan PublishPause)
{
    /// <summary>How many of the last messages published must all arrive.</summary>
    public const int Tail = 30;

    public static FailoverReport From(string topic, int sent, long[] sentAt, List<(int Id, long At)> received, long failoverAt)
    {
        var seen = new HashSet<int>();
        int duplicates = 0;
        foreach ((int id, _) in received)
        {
            if (!seen.Add(id))
            {
                duplicates++;
            }
        }

        TimeSpan gap = TimeSpan.Zero;
        for (int i = 1; i < received.Count; i++)
        {
            TimeSpan between = Stopwatch.GetElapsedTime(received[i - 1].At, received[i].At);
            gap = between > gap ? between : gap;
        }

        TimeSpan pause = TimeSpan.Zero;
        for (int id = 2; id <= sent; id++)
        {
            TimeSpan between = Stopwatch.GetElapsedTime(sentAt[id - 1], sentAt[id]);
            pause = between > pause ? between : pause;
        }

        int firstAfter = 1;
        while (firstAfter <= sent && sentAt[firstAfter] < failoverAt)
        {
            firstAfter++;
        }

        (int Id, long At) recovered = received.FirstOrDefault(r => r.Id >= firstAfter);
        int lostAfter = recovered.Id == 0 ? sent : Enumerable.Range(recovered.Id, sent - recovered.Id + 1).Count(id => !seen.Contains(id));
        return new FailoverReport(
            topic,
            sent,
            Enumerable.Range(1, sent).Count(id => !seen.Contains(id)),
            duplicates,
            gap,
            recovered.Id == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(failoverAt, recovered.At),
            recovered.Id,
            lostAfter,
            Enumerable.Range(Math.Max(1, sent - Tail + 1), Math.Min(Tail, sent)).Count(id => !seen.Contains(id)),
            pause);
    }

    public override string ToString() =>
        $"{Topic}: sent {Sent}, lost {Lost}, duplicates {Duplicates}, longest silence {Gap.TotalMilliseconds:F0} ms, first message published after the failover began arrived {FirstAfterFailover.TotalMilliseconds:F0} ms after it (id {RecoveredFrom}), lost after that {LostAfterRecovery} (of the last {Tail}: {LostOfLast}), longest pause between two publishes {PublishPause.TotalMilliseconds:F0} ms";
}
