using Janus.Bot.Worker;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Bot.Workload;

/// <summary>The workload loop's receive side: subscribing to every topic, acknowledgements, deliveries, drops.</summary>
internal sealed partial class WorkloadLoop
{
    protected override void OnConnected(int index)
    {
        ref WorkloadClient client = ref _clients[index];
        client.Acked = 0;
        byte[] hello = _hello[_windows[index * _perClient].Topic];
        if (_protocol.WaitsForGreeting)
        {
            client.Phase = WorkloadPhase.AwaitGreeting;
            if (hello.Length > 0 && !Send(index, hello))
            {
                RetryOrFail(index);
            }

            return;
        }

        // Hello subscribes to the first topic (Redis); the others go at once behind it.
        client.Phase = WorkloadPhase.AwaitAcks;
        if (!Send(index, hello) || !SendSubscribes(index, from: 1))
        {
            RetryOrFail(index);
        }
    }

    protected override bool OnMessage(int index, ServerFrameKind kind, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref WorkloadClient client = ref _clients[index];
        switch (kind)
        {
            case ServerFrameKind.Error:
                CountRefusal(payload);
                OnConnectionLost(index);
                return false;

            case ServerFrameKind.Ack when client.Phase == WorkloadPhase.AwaitAcks:
                OnAck(index, nowUs);
                return true;

            case ServerFrameKind.Delivery when client.Phase is WorkloadPhase.AwaitAcks or WorkloadPhase.Live or WorkloadPhase.Leaving:
                OnDelivery(index, payload, nowUs);
                return true;

            // The greeting, whatever its keys (as test reads it): subscribe to every topic.
            case ServerFrameKind.Delivery or ServerFrameKind.Greeting or ServerFrameKind.OtherJson or ServerFrameKind.Hello
                or ServerFrameKind.Subscribed or ServerFrameKind.Resumed when client.Phase == WorkloadPhase.AwaitGreeting:
                client.Phase = WorkloadPhase.AwaitAcks;
                if (!SendSubscribes(index, from: 0))
                {
                    RetryOrFail(index);
                    return false;
                }

                return true;

            default:
                return true;
        }
    }

    /// <summary>A live client's connection ended under it (counted as dropped); one being set up is retried or given up.</summary>
    protected override void OnConnectionLost(int index)
    {
        ref WorkloadClient client = ref _clients[index];
        switch (client.Phase)
        {
            case WorkloadPhase.Live:
                _dropped++;
                CloseWindows(index, WallClock.NowMicroseconds());
                break;
            case WorkloadPhase.Leaving:
                CloseWindows(index, client.LeaveUs);
                break;
            case WorkloadPhase.Gone:
                break;
            default:
                RetryOrFail(index);
                return;
        }

        CloseSocket(index);
        client.Phase = WorkloadPhase.Gone;
    }

    private bool SendSubscribes(int index, int from)
    {
        for (int k = from; k < _clients[index].TopicCount; k++)
        {
            if (!Send(index, _subscribe[_windows[(index * _perClient) + k].Topic]))
            {
                return false;
            }
        }

        return true;
    }

    private void OnAck(int index, long nowUs)
    {
        ref WorkloadClient client = ref _clients[index];
        _windows[(index * _perClient) + client.Acked].AckUs = nowUs;
        if (++client.Acked < client.TopicCount)
        {
            return;
        }

        client.Phase = WorkloadPhase.Live;
        if (!Connections[index].Joined)
        {
            Join(index);
            return;
        }

        // A newcomer in a leaver's place.
        InFlight--;
        Connections[index].Attempts = 0;
        _joins++;
    }

    private void OnDelivery(int index, ReadOnlySpan<byte> payload, long nowUs)
    {
        if (!ServerMessages.TryReadLeadingTimestamp(payload, out ErlangTimestamp timestamp)
            || !ServerMessageFields.TryReadNumberedDelivery(payload, out ReadOnlySpan<byte> topic, out long number)
            || number < 1)
        {
            Errors++;
            LogError("a delivery without a timestamp, a topic or a numbered message_id");
            return;
        }

        int first = index * _perClient;
        int k = 0;
        while (k < _clients[index].TopicCount && !topic.SequenceEqual(_topicBytes[_windows[first + k].Topic]))
        {
            k++;
        }

        if (k == _clients[index].TopicCount)
        {
            Errors++;
            LogError("a delivery on a topic the client does not hold");
            return;
        }

        ref TopicWindow window = ref _windows[first + k];
        if (number <= window.Last)
        {
            _outOfOrder++;
        }
        else
        {
            if (window.Count == 0)
            {
                window.First = number;
            }

            window.Last = number;
            window.Count++;
        }

        _deliveries++;
        _latency.Record(nowUs - timestamp.ToUnixMicroseconds());
        _lastDeliveryUs = nowUs;
    }
}
