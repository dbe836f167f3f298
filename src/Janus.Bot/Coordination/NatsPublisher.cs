using System.Net;
using System.Net.Sockets;
using System.Text;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;
using Janus.Protocol;

namespace Janus.Bot.Coordination;

/// <summary>
/// Publishes to a NATS server over one connection: <c>PUB subject #bytes</c> with the delivery JSON a Janus subscriber
/// gets, stamped here just before the write, as <see cref="RedisPublisher"/> does; back-to-back messages go out in one
/// write. NATS does not answer a <c>PUB</c> (verbose off), so the round ends with a <c>PING</c>: its <c>PONG</c> comes
/// after the server has processed every publish before it, and an <c>-ERR</c> fails the run.
/// </summary>
/// <remarks>
/// A reader task answers the server's heartbeat <c>PING</c>s all along: between rounds nobody else reads the
/// connection, and a server that counts too many unanswered closes it as stale. Writes take a lock so a <c>PONG</c>
/// never lands inside a batch of <c>PUB</c>s.
/// </remarks>
internal sealed class NatsPublisher(IPEndPoint server) : IPublisher
{
    private static readonly byte[] PingCommand = "PING\r\n"u8.ToArray();
    private static readonly byte[] PongCommand = "PONG\r\n"u8.ToArray();

    private readonly byte[] _received = new byte[64 * 1024];
    private readonly Lock _sending = new();
    private readonly SemaphoreSlim _pongs = new(0);
    private readonly CancellationTokenSource _closing = new();
    private int _receivedLength;
    private Socket? _socket;
    private Task? _reader;
    private Exception? _failure;

    public async Task PrepareAsync(int messages, CancellationToken cancellationToken)
    {
        if (_socket is not null)
        {
            ThrowIfFailed();
            return;
        }

        using var timeout = Timeout(cancellationToken);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await _socket.ConnectAsync(server, timeout.Token);
        string info = await ReadLineAsync(timeout.Token);
        if (!info.StartsWith("INFO", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"NATS did not greet with INFO: {info}");
        }

        Send([.. NatsClientProtocol.ConnectCommand, .. PingCommand]);
        _reader = Task.Run(ReadAsync, CancellationToken.None);
        await AwaitPongAsync(timeout.Token);
    }

    public void Publish(IReadOnlyList<string> topics, int perTopic)
    {
        ThrowIfFailed();
        byte[][] subjects = topics.Select(t => Encoding.UTF8.GetBytes(t)).ToArray();
        byte[][] topicJson = topics.Select(t => Encoding.UTF8.GetBytes(TestMessage.Quote(t))).ToArray();
        byte[] buffer = new byte[(topics.Count * perTopic * 512) + 1024];
        Span<byte> payload = stackalloc byte[1024];
        int pos = 0;
        for (int m = 0; m < perTopic; m++)
        {
            for (int t = 0; t < topics.Count; t++)
            {
                ErlangTimestamp stamp = ErlangTimestamp.FromUnixMicroseconds(WallClock.NowMicroseconds());
                int length = TestMessage.WriteStampedDelivery(payload, stamp, topicJson[t]);
                pos += NatsClientProtocol.WritePublish(buffer.AsSpan(pos), subjects[t], payload[..length]);
            }
        }

        Send(buffer.AsSpan(0, pos));
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        Send(PingCommand);
        await AwaitPongAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        _socket?.Dispose();
        if (_reader is not null)
        {
            await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _closing.Dispose();
        _pongs.Dispose();
    }

    private static CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        return timeout;
    }

    private void Send(ReadOnlySpan<byte> bytes)
    {
        Socket socket = _socket ?? throw new InvalidOperationException("PrepareAsync first.");
        lock (_sending)
        {
            socket.Send(bytes);
        }
    }

    private async Task AwaitPongAsync(CancellationToken cancellationToken)
    {
        await _pongs.WaitAsync(cancellationToken);
        ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new IOException("The NATS publisher's connection failed.", failure);
        }
    }

    /// <summary>The connection's reader: counts <c>PONG</c>s, answers <c>PING</c>s, and fails the publisher on <c>-ERR</c> or close.</summary>
    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                string line = await ReadLineAsync(_closing.Token);
                if (line.Equals("PONG", StringComparison.OrdinalIgnoreCase))
                {
                    _pongs.Release();
                }
                else if (line.Equals("PING", StringComparison.OrdinalIgnoreCase))
                {
                    Send(PongCommand);
                }
                else if (line.StartsWith("-ERR", StringComparison.OrdinalIgnoreCase))
                {
                    throw new IOException($"NATS refused the publisher: {line}");
                }
            }
        }
        catch (Exception error) when (!_closing.IsCancellationRequested)
        {
            Volatile.Write(ref _failure, error);

            // Wakes a waiter, which then finds the failure.
            _pongs.Release();
        }
    }

    /// <summary>One control line (the publisher subscribes to nothing, so no message body ever comes).</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int end = _received.AsSpan(0, _receivedLength).IndexOf("\r\n"u8);
            if (end >= 0)
            {
                string line = Encoding.UTF8.GetString(_received, 0, end);
                _received.AsSpan(end + 2, _receivedLength - end - 2).CopyTo(_received);
                _receivedLength -= end + 2;
                return line;
            }

            if (_receivedLength == _received.Length)
            {
                throw new IOException("NATS sent a control line longer than 64 KiB.");
            }

            int read = await _socket!.ReceiveAsync(_received.AsMemory(_receivedLength), cancellationToken);
            if (read == 0)
            {
                throw new IOException("NATS closed the publisher's connection.");
            }

            _receivedLength += read;
        }
    }
}
