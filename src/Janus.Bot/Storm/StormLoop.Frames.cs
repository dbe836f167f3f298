using System.Buffers;
using Janus.Bot.Protocols;
using Janus.Bot.Worker;
using Janus.Native;
using Janus.Protocol;

namespace Janus.Bot.Storm;

/// <summary>The storm loop's receive side: frames cut, classified and acted on per phase.</summary>
internal sealed unsafe partial class StormLoop
{
    private void OnEvent(int index, uint events)
    {
        ref StormClient client = ref _clients[index];
        switch (client.Phase)
        {
            case StormPhase.Connecting:
                if ((events & (Libc.EpollOut | Libc.EpollErr | Libc.EpollHup)) == 0 || !CompleteConnect(index))
                {
                    return;
                }

                if ((events & Libc.EpollIn) != 0)
                {
                    Receive(index);
                }

                return;

            case StormPhase.AwaitGreeting:
            case StormPhase.AwaitSubscribed:
            case StormPhase.AwaitResumed:
            case StormPhase.Live:
                Receive(index);
                return;

            case StormPhase.Leaving:
                OnLeaving(index);
                return;

            default:
                return;
        }
    }

    private bool CompleteConnect(int index)
    {
        ref StormClient client = ref _clients[index];
        int error = 0;
        uint length = sizeof(int);
        if (Libc.GetSockOpt(client.Fd, Libc.SolSocket, Libc.SoError, &error, &length) < 0)
        {
            error = Libc.Errno;
        }

        if (error != 0)
        {
            LogError($"connect failed: errno {error}");
            RetryOrFail(index);
            return false;
        }

        // Stop asking for writability (level-triggered, it would fire on every wait from now on).
        EpollEvents.Control(_epfd, Libc.EpollCtlMod, client.Fd, Libc.EpollIn | Libc.EpollRdHup, (ulong)index);
        if (!client.Returning)
        {
            Volatile.Write(ref _connected, _connected + 1);
        }

        client.Phase = StormPhase.AwaitGreeting;
        if (!Send(client.Fd, PingFrame))
        {
            RetryOrFail(index);
            return false;
        }

        return true;
    }

    private void Receive(int index)
    {
        ref StormClient client = ref _clients[index];
        int pending = client.PendingLength;
        if (pending > 0)
        {
            client.Pending.AsSpan(0, pending).CopyTo(new Span<byte>(_buffer, pending));
        }

        nint received = Libc.Recv(client.Fd, _buffer + pending, ReceiveSize, 0);
        if (received <= 0)
        {
            if (received < 0 && Libc.Errno is Libc.EAgain or Libc.EIntr)
            {
                return;
            }

            ConnectionLost(index);
            return;
        }

        long nowUs = WallClock.NowMicroseconds();
        if (pending > 0)
        {
            ArrayPool<byte>.Shared.Return(client.Pending!);
            client.Pending = null;
            client.PendingLength = 0;
        }

        int length = pending + (int)received;
        int offset = 0;
        while (offset < length)
        {
            var data = new ReadOnlySpan<byte>(_buffer + offset, length - offset);
            ServerMessageKind kind = JanusClientProtocol.Instance.Read(data, out int consumed, out int payloadStart, out int payloadLength);
            if (kind == ServerMessageKind.Incomplete)
            {
                break;
            }

            offset += consumed;
            if (!Handle(index, kind, data.Slice(payloadStart, payloadLength), nowUs))
            {
                return;
            }
        }

        int rest = length - offset;
        if (rest > 0)
        {
            if (rest > MaxPending)
            {
                _errors++;
                LogError($"a message longer than {MaxPending} bytes");
                ConnectionLost(index);
                return;
            }

            byte[] keep = ArrayPool<byte>.Shared.Rent(Math.Max(rest, 256));
            new ReadOnlySpan<byte>(_buffer + offset, rest).CopyTo(keep);
            client.Pending = keep;
            client.PendingLength = rest;
        }
    }

    /// <summary>Acts on one message; false when the connection was closed.</summary>
    private bool Handle(int index, ServerMessageKind kind, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        switch (kind)
        {
            case ServerMessageKind.Ping:
                if (!Send(client.Fd, PongFrame))
                {
                    ConnectionLost(index);
                    return false;
                }

                return true;

            case ServerMessageKind.Error:
                _errors++;
                LogError($"the server refused: {System.Text.Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, 200)])}");
                if (client.Phase is StormPhase.AwaitSubscribed or StormPhase.AwaitResumed)
                {
                    // A refused hello, subscribe or resume will be refused again: this client is out.
                    CloseSocket(ref client);
                    _inFlight--;
                    GiveUp(index);
                    return false;
                }

                return true;

            case ServerMessageKind.Json:
                break;

            default:
                return true;
        }

        switch (SessionFrames.Classify(payload))
        {
            case SessionFrameKind.Delivery:
                OnDelivery(index, payload, nowUs);
                return true;

            case SessionFrameKind.Greeting when client.Phase == StormPhase.AwaitGreeting:
                return OnGreeting(index, payload);

            case SessionFrameKind.Subscribed when client.Phase == StormPhase.AwaitSubscribed:
                OnSubscribed(index, payload, nowUs);
                return true;

            case SessionFrameKind.Resumed when client.Phase == StormPhase.AwaitResumed:
                return OnResumed(index, payload, nowUs);

            default:
                // The hello answer, or a frame the bot does not need.
                return true;
        }
    }

    private bool OnGreeting(int index, ReadOnlySpan<byte> greeting)
    {
        ref StormClient client = ref _clients[index];
        if (!SessionFrames.TryReadToken(greeting, out ReadOnlySpan<byte> token) || token.Length != TokenSize)
        {
            _errors++;
            LogError("a greeting without a 32-character token");
            RetryOrFail(index);
            return false;
        }

        if (!client.Returning)
        {
            token.CopyTo(_tokens.AsSpan(index * TokenSize, TokenSize));
            bool sent = Send(client.Fd, HelloFrame);
            for (int k = 0; sent && k < _perClient; k++)
            {
                sent = Send(client.Fd, _subscribeFrames[TopicOf(index, k)]);
            }

            client.AwaitingAnswers = _perClient;
            client.Phase = StormPhase.AwaitSubscribed;
            if (!sent)
            {
                RetryOrFail(index);
                return false;
            }

            return true;
        }

        // A comeback: keep the fresh token in case the old session is gone, and resume the old one from our positions.
        token.CopyTo(_freshTokens.AsSpan(index * TokenSize, TokenSize));
        client.Phase = StormPhase.AwaitResumed;
        if (!Send(client.Fd, SessionFrames.Resume(_tokens.AsSpan(index * TokenSize, TokenSize), Positions(index))))
        {
            RetryOrFail(index);
            return false;
        }

        return true;
    }

    private IEnumerable<KeyValuePair<string, SessionFrames.Position>> Positions(int index)
    {
        for (int k = 0; k < _perClient; k++)
        {
            ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
            if (cursor.Epoch >= 0)
            {
                yield return new(_topics[TopicOf(index, k)], new SessionFrames.Position(cursor.Offset, _epochNames[cursor.Epoch]));
            }
        }
    }

    private void OnSubscribed(int index, ReadOnlySpan<byte> answer, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        if (!SessionFrames.TryReadSubscribed(answer, out ReadOnlySpan<byte> topic, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered)
            || FindTopic(index, topic) is not int k)
        {
            _errors++;
            LogError("an unreadable subscribed answer");
            return;
        }

        ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
        int epochIndex = Epoch(epoch);
        if (!client.Returning || recovered != true)
        {
            // A plain subscribe (or one whose gap could not be filled): live messages start after this position.
            cursor.Offset = offset;
            cursor.Epoch = epochIndex;
        }

        // Replays (if any) run up to the position answered; reaching it is caught up.
        cursor.TargetOffset = offset;
        cursor.TargetEpoch = epochIndex;
        if (--client.AwaitingAnswers > 0)
        {
            return;
        }

        if (!client.Returning)
        {
            client.Phase = StormPhase.Live;
            client.Joined = true;
            _inFlight--;
            Volatile.Write(ref _subscribed, _subscribed + 1);
            return;
        }

        MarkResumed(index, nowUs);
    }

    private bool OnResumed(int index, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        SessionFrames.ResumedAnswer? answer = SessionFrames.ReadResumed(payload);
        if (answer is null)
        {
            _errors++;
            LogError("an unreadable resumed answer");
            return true;
        }

        StormEpisode episode = _episodes[client.Episode];
        if (!answer.Resumed || !answer.Recovered)
        {
            episode.Tally.RecoveredFalse++;
        }

        if (answer.Resumed)
        {
            for (int k = 0; k < _perClient; k++)
            {
                ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
                if (answer.Topics.TryGetValue(_topics[TopicOf(index, k)], out SessionFrames.Position position))
                {
                    cursor.TargetOffset = position.Offset;
                    cursor.TargetEpoch = Epoch(System.Text.Encoding.UTF8.GetBytes(position.Epoch));
                }
                else
                {
                    cursor.TargetOffset = cursor.Offset;
                    cursor.TargetEpoch = cursor.Epoch;
                }
            }

            MarkResumed(index, nowUs);
            return true;
        }

        // The session is gone: this connection's fresh one takes its place, and every topic is asked for from our position.
        _freshTokens.AsSpan(index * TokenSize, TokenSize).CopyTo(_tokens.AsSpan(index * TokenSize, TokenSize));
        client.AwaitingAnswers = _perClient;
        client.Phase = StormPhase.AwaitSubscribed;
        for (int k = 0; k < _perClient; k++)
        {
            ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
            SessionFrames.Position? since = cursor.Epoch >= 0 ? new SessionFrames.Position(cursor.Offset, _epochNames[cursor.Epoch]) : null;
            if (!Send(client.Fd, SessionFrames.Subscribe(_topics[TopicOf(index, k)], since)))
            {
                RetryOrFail(index);
                return false;
            }
        }

        return true;
    }

    private void MarkResumed(int index, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        client.Phase = StormPhase.Live;
        client.Attempts = 0;
        _inFlight--;
        StormEpisode episode = _episodes[client.Episode];
        if (!client.Resumed)
        {
            // Counted once per episode, even if the comeback itself dropped and had to come back again.
            client.Resumed = true;
            episode.Tally.Resumed++;
            episode.Tally.LastResumedUs = Math.Max(episode.Tally.LastResumedUs, nowUs);
            episode.ResumeTime.Record(nowUs - client.CutAtUs);
        }

        CheckCaughtUp(index, nowUs);
    }

    private void CheckCaughtUp(int index, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        for (int k = 0; k < _perClient; k++)
        {
            ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
            if (cursor.TargetEpoch >= 0 && (cursor.Epoch != cursor.TargetEpoch || cursor.Offset < cursor.TargetOffset))
            {
                return;
            }
        }

        client.CaughtUp = true;
        StormEpisode episode = _episodes[client.Episode];
        episode.Tally.CaughtUp++;
        episode.Tally.LastCaughtUpUs = Math.Max(episode.Tally.LastCaughtUpUs, nowUs);
        episode.CatchUpTime.Record(nowUs - client.CutAtUs);
        if (ReferenceEquals(episode, _round) && episode.Settled)
        {
            FinishRound();
        }
    }

    private void OnDelivery(int index, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        if (!ServerMessages.TryReadLeadingTimestamp(payload, out ErlangTimestamp timestamp)
            || !SessionFrames.TryReadDelivery(payload, out ReadOnlySpan<byte> topic, out long sequence, out long offset, out ReadOnlySpan<byte> epoch)
            || sequence < 1)
        {
            _errors++;
            LogError("a delivery without a timestamp, a numbered message_id or a position");
            return;
        }

        if (FindTopic(index, topic) is not int k)
        {
            return;
        }

        ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
        int epochIndex = Epoch(epoch);
        long before = cursor.Highest;
        switch (cursor.Track(sequence))
        {
            case SequenceResult.Gap:
                _gaps += sequence - before - 1;
                break;
            case SequenceResult.FilledGap:
                _gaps--;
                _outOfOrder++;
                break;
            case SequenceResult.Duplicate:
                _duplicates++;
                return;
        }

        _deliveries++;
        long latency = nowUs - timestamp.ToUnixMicroseconds();
        if (client.Returning && epochIndex == cursor.TargetEpoch && offset <= cursor.TargetOffset)
        {
            _replayed.Record(latency);
        }
        else
        {
            _live.Record(latency);
        }

        cursor.Offset = offset;
        cursor.Epoch = epochIndex;
        if (client.Returning && client.Resumed && !client.CaughtUp)
        {
            CheckCaughtUp(index, nowUs);
        }

        if (_drainDone is not null && before < _final![TopicOf(index, k)] && cursor.Highest >= _final[TopicOf(index, k)])
        {
            DrainProgress();
        }
    }

    private void ConnectionLost(int index)
    {
        ref StormClient client = ref _clients[index];
        if (client.Phase != StormPhase.Live)
        {
            RetryOrFail(index);
            return;
        }

        long now = WallClock.NowMicroseconds();
        if (client.Returning && !client.CaughtUp)
        {
            // Dropped again before catching up: still the same comeback.
            CloseSocket(ref client);
            client.Attempts = 0;
            Schedule(index, now);
            return;
        }

        // A drop the bot did not cause (a node killed, the server closing us): come back the same way.
        GoAway(index, _episodes[0], now);
    }

    private int? FindTopic(int index, ReadOnlySpan<byte> topic)
    {
        for (int k = 0; k < _perClient; k++)
        {
            if (topic.SequenceEqual(_topicBytes[TopicOf(index, k)]))
            {
                return k;
            }
        }

        return null;
    }

    /// <summary>The index of an epoch in the loop's table (a topic has one epoch at a time, so the table stays tiny).</summary>
    private int Epoch(ReadOnlySpan<byte> epoch)
    {
        for (int i = 0; i < _epochs.Count; i++)
        {
            if (epoch.SequenceEqual(_epochs[i]))
            {
                return i;
            }
        }

        _epochs.Add(epoch.ToArray());
        _epochNames.Add(System.Text.Encoding.UTF8.GetString(epoch));
        return _epochs.Count - 1;
    }
}
