using System.Buffers;
using Janus.Native;
using Janus.Protocol.Client;

namespace Janus.Bot.Worker;

/// <summary>The receive loop's receive side: one <c>recv</c>, messages cut and classified, heartbeats answered, the rest to the mode.</summary>
internal abstract unsafe partial class ReceiveLoop
{
    /// <summary>
    /// Acts on one message (a heartbeat is answered before it gets here); <paramref name="payload"/> is the JSON (or
    /// the keyword) and lives until the next receive. False when the connection was closed.
    /// </summary>
    protected abstract bool OnMessage(int index, ServerFrameKind kind, ReadOnlySpan<byte> payload, long nowUs);

    /// <summary>
    /// The connection ended under the client: the server closed it, <c>recv</c> failed, or what came cannot be read
    /// (malformed, or one message larger than the loop holds). The socket is still to be closed by the mode.
    /// </summary>
    protected abstract void OnConnectionLost(int index);

    /// <summary>Counts and logs the server's refusal (an error frame); the mode decides what becomes of the client.</summary>
    protected void CountRefusal(ReadOnlySpan<byte> payload)
    {
        Errors++;
        LogError($"the server refused: {System.Text.Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, 200)])}");
    }

    private void OnEvent(int index, uint events)
    {
        switch (Connections[index].State)
        {
            case ConnectionState.Connecting:
                if ((events & (Libc.EpollOut | Libc.EpollErr | Libc.EpollHup)) == 0 || !CompleteConnect(index))
                {
                    return;
                }

                if ((events & Libc.EpollIn) != 0)
                {
                    Receive(index);
                }

                return;

            case ConnectionState.Open:
                Receive(index);
                return;

            default:
                return;
        }
    }

    private void Receive(int index)
    {
        ref ConnectionSlot slot = ref Connections[index];
        int pending = slot.PendingLength;
        if (pending > 0)
        {
            slot.Pending.AsSpan(0, pending).CopyTo(new Span<byte>(_buffer, pending));
        }

        nint received = Libc.Recv(slot.Fd, _buffer + pending, ReceiveSize, 0);
        if (received <= 0)
        {
            if (received < 0 && Libc.Errno is Libc.EAgain or Libc.EIntr)
            {
                return;
            }

            OnConnectionLost(index);
            return;
        }

        long nowUs = WallClock.NowMicroseconds();
        if (pending > 0)
        {
            ArrayPool<byte>.Shared.Return(slot.Pending!);
            slot.Pending = null;
            slot.PendingLength = 0;
        }

        int length = pending + (int)received;
        int offset = 0;
        while (offset < length)
        {
            var data = new ReadOnlySpan<byte>(_buffer + offset, length - offset);
            OperationStatus status = _protocol.Read(data, out int consumed, out ServerFrameKind kind, out int payloadStart, out int payloadLength);
            if (status == OperationStatus.NeedMoreData)
            {
                break;
            }

            if (status != OperationStatus.Done)
            {
                StreamError(index, "malformed data from the server");
                return;
            }

            offset += consumed;
            if (kind == ServerFrameKind.Ping)
            {
                if (!Send(index, _protocol.Pong))
                {
                    OnConnectionLost(index);
                    return;
                }
            }
            else if (!OnMessage(index, kind, data.Slice(payloadStart, payloadLength), nowUs))
            {
                return;
            }
        }

        int rest = length - offset;
        if (rest > 0)
        {
            if (rest > MaxPending)
            {
                StreamError(index, $"a message longer than {MaxPending} bytes");
                return;
            }

            byte[] keep = ArrayPool<byte>.Shared.Rent(Math.Max(rest, 256));
            new ReadOnlySpan<byte>(_buffer + offset, rest).CopyTo(keep);
            slot.Pending = keep;
            slot.PendingLength = rest;
        }
    }

    private void StreamError(int index, string message)
    {
        Errors++;
        LogError(message);
        OnConnectionLost(index);
    }
}
