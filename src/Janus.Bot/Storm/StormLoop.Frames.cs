using Janus.Bot.Protocols;
using Janus.Bot.Worker;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Bot.Storm;

/// <summary>The storm loop's receive side: what each frame from the server does, per phase.</summary>
internal sealed partial class StormLoop
{
    protected override void OnConnected(int index)
    {
        _clients[index].Phase = StormPhase.AwaitGreeting;
        if (!Send(index, JanusClientProtocol.Instance.Hello(string.Empty)))
        {
            RetryOrFail(index);
        }
    }

    protected override bool OnMessage(int index, ServerFrameKind kind, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        if (client.Phase == StormPhase.Leaving)
        {
            // bye sent: what still arrives is dropped; the server's close ends it.
            return true;
        }

        switch (kind)
        {
            case ServerFrameKind.Error when payload.IndexOf("\"server_shutdown\""u8) >= 0:
                // A node shutting down says so to opted-in clients before it closes: not a refusal, but a drop the
                // bot did not cause, handled as one when the close follows (the client comes back and resumes).
                return true;

            case ServerFrameKind.Error:
                CountRefusal(payload);
                if (client.Phase is StormPhase.AwaitSubscribed or StormPhase.AwaitResumed)
                {
                    // A refused hello, subscribe or resume will be refused again: this client is out.
                    CloseSocket(index);
                    InFlight--;
                    GiveUp(index);
                    return false;
                }

                return true;

            case ServerFrameKind.Delivery:
                OnDelivery(index, payload, nowUs);
                return true;

            case ServerFrameKind.Greeting when client.Phase == StormPhase.AwaitGreeting:
                return OnGreeting(index, payload);

            case ServerFrameKind.Subscribed when client.Phase == StormPhase.AwaitSubscribed:
                OnSubscribed(index, payload, nowUs);
                return true;

            case ServerFrameKind.Resumed when client.Phase == StormPhase.AwaitResumed:
                return OnResumed(index, payload, nowUs);

            default:
                // The hello answer, or a frame the bot does not need.
                return true;
        }
    }

    protected override void OnConnectionLost(int index)
    {
        ref StormClient client = ref _clients[index];
        if (client.Phase == StormPhase.Leaving)
        {
            CloseSocket(index);
            client.Phase = StormPhase.Failed;
            if (--_leaving == 0)
            {
                Stop();
            }

            return;
        }

        if (client.Phase != StormPhase.Live)
        {
            RetryOrFail(index);
            return;
        }

        long now = WallClock.NowMicroseconds();
        if (client.Returning && !client.CaughtUp)
        {
            // Dropped again before catching up: still the same comeback.
            CloseSocket(index);
            Connections[index].Attempts = 0;
            Schedule(index, now);
            return;
        }

        // A drop the bot did not cause (a node killed, the server closing us): come back the same way.
        GoAway(index, _episodes[0], now);
    }

    private bool OnGreeting(int index, ReadOnlySpan<byte> greeting)
    {
        ref StormClient client = ref _clients[index];
        if (!ServerMessageFields.TryReadToken(greeting, out ReadOnlySpan<byte> token) || token.Length != TokenSize)
        {
            Errors++;
            LogError("a greeting without a 32-character token");
            RetryOrFail(index);
            return false;
        }

        if (!client.Returning)
        {
            token.CopyTo(_tokens.AsSpan(index * TokenSize, TokenSize));
            bool sent = Send(index, HelloFrame);
            for (int k = 0; sent && k < _perClient; k++)
            {
                sent = Send(index, _subscribeFrames[TopicOf(index, k)]);
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
        string oldToken = System.Text.Encoding.ASCII.GetString(_tokens.AsSpan(index * TokenSize, TokenSize));
        if (!Send(index, JanusClientProtocol.Frame(new ResumeFrame(oldToken, Positions(index)))))
        {
            RetryOrFail(index);
            return false;
        }

        return true;
    }

    private IEnumerable<KeyValuePair<string, StreamPosition>> Positions(int index)
    {
        for (int k = 0; k < _perClient; k++)
        {
            ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
            if (cursor.Epoch >= 0)
            {
                yield return new(_topics[TopicOf(index, k)], new StreamPosition(cursor.Offset, _epochNames[cursor.Epoch]));
            }
        }
    }

    private void OnSubscribed(int index, ReadOnlySpan<byte> answer, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        if (!ServerMessageFields.TryReadSubscribed(answer, out ReadOnlySpan<byte> topic, out long offset, out ReadOnlySpan<byte> epoch, out bool? recovered)
            || FindTopic(index, topic) is not int k)
        {
            Errors++;
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
            Join(index);
            return;
        }

        MarkResumed(index, nowUs);
    }

    /// <summary>The answer to a resume (once per comeback, so parsing it into strings is fine).</summary>
    private bool OnResumed(int index, ReadOnlySpan<byte> payload, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        if (!ServerMessageParser.TryParse(payload, strings: null, out ServerMessage answer) || answer.Resumed is not bool resumed)
        {
            Errors++;
            LogError("an unreadable resumed answer");
            return true;
        }

        StormEpisode episode = _episodes[client.Episode];
        if (!resumed || answer.Recovered != true)
        {
            episode.Tally.RecoveredFalse++;
        }

        if (resumed)
        {
            List<(string Topic, StreamPosition? Position, bool? Recovered)> topics = ServerMessageParser.ReadTopics(payload, answer.Topics);
            for (int k = 0; k < _perClient; k++)
            {
                ref TopicCursor cursor = ref _cursors[(index * _perClient) + k];
                string name = _topics[TopicOf(index, k)];
                if (topics.Find(t => t.Topic == name && t.Position is not null).Position is { } position)
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
            StreamPosition? since = cursor.Epoch >= 0 ? new StreamPosition(cursor.Offset, _epochNames[cursor.Epoch]) : null;
            if (!Send(index, JanusClientProtocol.Frame(new TopicFrame(subscribe: true, _topics[TopicOf(index, k)], since))))
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
        Connections[index].Attempts = 0;
        InFlight--;
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
            || !ServerMessageFields.TryReadDelivery(payload, out ReadOnlySpan<byte> topic, out long sequence, out long offset, out ReadOnlySpan<byte> epoch)
            || sequence < 1)
        {
            Errors++;
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
