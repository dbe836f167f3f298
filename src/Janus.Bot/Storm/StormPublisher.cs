using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Janus.Bot.Coordination;
using Janus.Protocol.Client;

namespace Janus.Bot.Storm;

/// <summary>
/// Publishes the storm's numbered sequence at a steady rate over one TCP connection that stays open
/// (<c>{"action":"publish",…}</c>): message m goes to topic m mod T with number (m / T) + 1 as its <c>message_id</c>
/// and <c>data</c>, so every topic carries 1, 2, 3, … with no gap. Answers the server's heartbeat.
/// </summary>
internal sealed class StormPublisher : IAsyncDisposable
{
    /// <summary>How often the publisher wakes to send what is due: small enough to look steady, large enough to batch.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    private readonly Socket _socket;
    private readonly Lock _sendLock = new();
    private readonly string[] _topics;
    private readonly double _rate;
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;
    private Task? _writer;
    private long _published;

    private StormPublisher(Socket socket, string[] topics, double rate)
    {
        _socket = socket;
        _topics = topics;
        _rate = rate;
    }

    public const string EventName = "storm";

    public long Published => Interlocked.Read(ref _published);

    /// <summary>Connects and waits for the greeting.</summary>
    public static async Task<StormPublisher> ConnectAsync(IPEndPoint server, string[] topics, double rate, CancellationToken cancellationToken)
    {
        Socket socket = await PublisherConnection.ConnectAsync(server, cancellationToken);
        return new StormPublisher(socket, topics, rate);
    }

    /// <summary>Starts publishing; runs until <see cref="StopAsync"/>.</summary>
    public void Start()
    {
        _reader = PublisherConnection.AnswerHeartbeatsAsync(_socket, _sendLock, _stop.Token);
        _writer = Task.Run(() => PublishAsync(_stop.Token));
    }

    /// <summary>Stops publishing; returns the last number published on each topic.</summary>
    public async Task<long[]> StopAsync()
    {
        await _stop.CancelAsync();
        if (_writer is not null)
        {
            await _writer;
        }

        long published = Published;
        return Enumerable.Range(0, _topics.Length).Select(t => published <= t ? 0 : ((published - t - 1) / _topics.Length) + 1).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        if (_reader is not null)
        {
            try
            {
                await _reader;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Closed under it.
            }
        }

        _stop.Dispose();
    }

    private async Task PublishAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Tick);
        using var writer = new CommandWriter();
        long started = Stopwatch.GetTimestamp();
        try
        {
            do
            {
                long due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * _rate);
                long next = Published;
                if (due <= next)
                {
                    continue;
                }

                // Everything due goes in one write.
                var batch = new ArrayBufferWriter<byte>(256 * (int)Math.Min(due - next, 10_000));
                for (long m = next; m < due; m++)
                {
                    long number = (m / _topics.Length) + 1;
                    var data = new TypedJsonData<long>(number, BotJsonContext.Default.Int64);
                    batch.Write(writer.Build(new NumberedPublishFrame<TypedJsonData<long>>(_topics[m % _topics.Length], EventName, number, data)));
                }

                lock (_sendLock)
                {
                    _socket.Send(batch.WrittenSpan);
                }

                Interlocked.Exchange(ref _published, due);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
